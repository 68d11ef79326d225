import type { RunEvent } from '../runner/progress-events.js';
import { applyRunEvent, rowOf, type Matrix } from './matrix.js';

/**
 * What happened to whom, as the batch runner reports it to the displays and the summary:
 * pool events, and each attendee's own run events (the same ones a single run's views get).
 */
export type BatchEvent =
  | { readonly type: 'queued'; readonly attendee: string }
  | { readonly type: 'start'; readonly attendee: string; readonly at: number }
  | { readonly type: 'progress'; readonly attendee: string; readonly event: RunEvent }
  | { readonly type: 'finish'; readonly attendee: string; readonly outcome: AttendeeOutcome };

export interface AttendeeOutcome {
  readonly attendee: string;
  /** The runbook's exit code (README.md, "CLI"); 130 also for attendees never started. */
  readonly exitCode: number;
  readonly started: boolean;
  readonly lastStep?: string | undefined;
  /** Why it stopped: the error's message, as its report prints it after "✖". */
  readonly message?: string | undefined;
  /** The error's first hint: what to do. */
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
    case 'progress':
      applyRunEvent(matrix, event.attendee, event.event);
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
