/**
 * How a batch shows while it runs. On a terminal: the matrix, redrawn in place on stderr a few
 * times a second (only when something changed, or once a second for the clocks). Otherwise
 * (CI logs, pipes): one line per event, prefixed with the time and the attendee.
 */
import type { AttendeeOutcome, BatchEvent } from './events.js';
import type { Matrix } from './matrix.js';
import { duration, renderMatrix } from './matrix-render.js';

export interface BatchDisplay {
  /** Called after the event was applied to the matrix. */
  event(event: BatchEvent): void;
  /** Final draw; restores the cursor. */
  stop(): void;
}

type TtyStream = NodeJS.WritableStream & { columns?: number; rows?: number };

export function createLiveMatrixView(stream: TtyStream, matrix: Matrix, options: { color: boolean; intervalMs?: number }): BatchDisplay {
  let drawnLines = 0;
  let dirty = true;
  let lastDraw = 0;
  const draw = () => {
    const lines = renderMatrix(matrix, { width: stream.columns, height: stream.rows, color: options.color });
    // Up to the first line of the previous frame, clear to the end of the screen, draw.
    const up = drawnLines > 0 ? `\u001b[${drawnLines}A\r\u001b[J` : '';
    stream.write(`${up}${lines.join('\n')}\n`);
    drawnLines = lines.length;
    dirty = false;
    lastDraw = Date.now();
  };
  stream.write('\u001b[?25l'); // hide the cursor while redrawing
  draw();
  const timer = setInterval(() => {
    if (dirty || Date.now() - lastDraw >= 1000) draw();
  }, options.intervalMs ?? 150);
  timer.unref();
  return {
    event() {
      dirty = true;
    },
    stop() {
      clearInterval(timer);
      draw();
      stream.write('\u001b[?25h');
    },
  };
}

export function createEventLines(write: (line: string) => void, verb: string): BatchDisplay {
  const stamp = () => new Date().toISOString().slice(11, 19);
  return {
    event(event) {
      switch (event.type) {
        case 'start':
          write(`[${stamp()}] ${event.attendee}: ${verb} started`);
          break;
        case 'progress': {
          const step = event.event;
          if (step.type !== 'step') break;
          const detail = step.phase === 'failed' ? undefined : step.phase === 'interrupted' ? step.error : step.reason;
          const words = step.phase === 'reused' ? 'done earlier' : step.phase;
          write(`[${stamp()}] ${event.attendee}: ${step.stepId} ${words}${detail ? ` (${detail.split('\n')[0]})` : ''}`);
          break;
        }
        case 'finish':
          write(`[${stamp()}] ${event.attendee}: ${finishText(event.outcome)}`);
          break;
        default:
          break;
      }
    },
    stop() {},
  };
}

function finishText(outcome: AttendeeOutcome): string {
  if (!outcome.started) return `not started (${outcome.message ?? 'interrupted'})`;
  if (outcome.exitCode === 0) return `✔ done in ${duration(outcome.ms)}`;
  const at = outcome.lastStep ? ` at ${outcome.lastStep}` : '';
  return `✖ ${outcome.exitCode === 130 ? 'interrupted' : 'failed'}${at} (exit ${outcome.exitCode}, ${duration(outcome.ms)})${outcome.message ? `: ${outcome.message}` : ''}`;
}
