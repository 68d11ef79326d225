import type { StepPhase } from '../runner/progress.js';
import { applyPhase, rowOf, type Matrix } from './matrix.js';

/** What happened to whom, as the batch runner reports it to the displays and the summary. */
export type BatchEvent =
  | { readonly type: 'queued'; readonly attendee: string }
  | { readonly type: 'start'; readonly attendee: string; readonly at: number }
  | { readonly type: 'phase'; readonly attendee: string; readonly stepId: string; readonly phase: StepPhase; readonly detail?: string | undefined }
  | { readonly type: 'finish'; readonly attendee: string; readonly outcome: AttendeeOutcome };

export interface AttendeeOutcome {
  readonly attendee: string;
  /** The runbook's exit code (README.md, "CLI"); 130 also for attendees never started. */
  readonly exitCode: number;
  readonly started: boolean;
  readonly lastStep?: string | undefined;
  /** The "✖ ..." line of the attendee's report. */
  readonly message?: string | undefined;
  /** Its first "→ ..." line: what to do. */
  readonly hint?: string | undefined;
  readonly ms: number;
}

export function applyEvent(matrix: Matrix, event: BatchEvent): void {
  const row = rowOf(matrix, event.attendee);
  switch (event.type) {
    case 'queued':
      row.state = 'queued';
      row.note = undefined;
      break;
    case 'start':
      row.state = 'running';
      row.note = 'starting';
      row.startedAt = event.at;
      row.endedAt = undefined;
      break;
    case 'phase':
      applyPhase(matrix, event.attendee, event.stepId, event.phase, event.detail);
      break;
    case 'finish': {
      const { outcome } = event;
      row.state = outcome.exitCode === 0 ? 'done' : outcome.exitCode === 130 ? 'interrupted' : 'failed';
      if (!outcome.started) row.state = 'not started';
      row.endedAt = (row.startedAt ?? 0) + outcome.ms;
      row.lastStep = outcome.lastStep ?? row.lastStep;
      row.hint = [outcome.message, outcome.hint].filter(Boolean).join(' → ') || row.hint;
      break;
    }
  }
}
