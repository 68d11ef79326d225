/**
 * What a workshop dashboard shows: the attendee x step matrix (the same model the terminal's
 * live matrix uses), and who to tell when a cell or a row changes. Fed by the batch's own
 * events (`workshop run --dashboard`) or by the attendees' ledgers on disk (`workshop
 * dashboard`, which watches a run started elsewhere).
 */
import type { StepStatus } from '../../checkpoints/ledger-schema.js';
import { applyEvent, type BatchEvent } from '../../workshop/events.js';
import { createMatrix, rowOf, type Cell, type Matrix, type MatrixRow } from '../../workshop/matrix.js';
import { applyAttendeeState, type AttendeeState } from '../../workshop/attendee-state.js';

export type DashboardChange =
  | { readonly kind: 'cell'; readonly attendee: string; readonly step: string; readonly status: StepStatus }
  /** The row's state, last step or hint changed (its position may change: failed rows come first). */
  | { readonly kind: 'row'; readonly attendee: string; readonly stateChanged: boolean }
  /** The batch started, ended, or its counts moved. */
  | { readonly kind: 'batch' };

/** The word of `status --json` for a matrix cell. */
export function statusOfCell(cell: Cell | undefined): StepStatus {
  return cell === undefined ? 'pending' : cell === 'active' ? 'running' : cell;
}

export interface BatchState {
  readonly running: boolean;
  /** The exit code of the last batch this process ran (live mode). */
  readonly lastExit?: number | undefined;
  readonly runs: number;
}

export class DashboardSource {
  readonly dir: string;
  readonly matrix: Matrix;
  readonly #listeners = new Set<(change: DashboardChange) => void>();
  #batch: BatchState = { running: false, runs: 0 };

  constructor(dir: string, stepIds: readonly string[], attendees: readonly string[]) {
    this.dir = dir;
    this.matrix = createMatrix(stepIds, attendees);
  }

  get batch(): BatchState {
    return this.#batch;
  }

  onChange(listener: (change: DashboardChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rows in the order the page lists them: failed and interrupted first, then the roster's order. */
  orderedRows(): MatrixRow[] {
    const first = (row: MatrixRow) => (row.state === 'failed' || row.state === 'interrupted' ? 0 : 1);
    return [...this.matrix.rows].sort((a, b) => first(a) - first(b));
  }

  /** One event of the batch this process runs. */
  applyBatchEvent(event: BatchEvent): void {
    this.#changing(event.attendee, () => applyEvent(this.matrix, event));
  }

  /** An attendee's state as read from disk. */
  applyAttendeeState(state: AttendeeState): void {
    this.#changing(state.id, () => applyAttendeeState(this.matrix, state));
  }

  batchStarted(): void {
    this.#batch = { running: true, lastExit: this.#batch.lastExit, runs: this.#batch.runs + 1 };
    this.#emit({ kind: 'batch' });
  }

  batchEnded(exitCode: number): void {
    this.#batch = { running: false, lastExit: exitCode, runs: this.#batch.runs };
    this.#emit({ kind: 'batch' });
  }

  /** Applies a change to one row and tells the listeners exactly what moved. */
  #changing(attendee: string, apply: () => void): void {
    const row = rowOf(this.matrix, attendee);
    const cellsBefore = new Map(row.cells);
    const before = rowSignature(row);
    const stateBefore = row.state;
    apply();
    for (const step of this.matrix.columns) {
      const now = row.cells.get(step);
      if (now !== cellsBefore.get(step)) this.#emit({ kind: 'cell', attendee, step, status: statusOfCell(now) });
    }
    if (rowSignature(row) !== before) this.#emit({ kind: 'row', attendee, stateChanged: row.state !== stateBefore });
    // The counts at the top move only with a row's state.
    if (row.state !== stateBefore) this.#emit({ kind: 'batch' });
  }

  #emit(change: DashboardChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/** What a row shows besides its cells. */
function rowSignature(row: MatrixRow): string {
  return JSON.stringify([row.state, rowSummary(row)]);
}

/** The row's last column: the step it is at, and why it stopped. */
export function rowSummary(row: MatrixRow): string {
  return [row.lastStep, row.state !== 'done' ? row.hint : undefined].filter(Boolean).join(' · ');
}
