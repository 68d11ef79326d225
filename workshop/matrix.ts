/**
 * The attendee x step matrix, as data: fed by progress events (workshop run/teardown) or by the
 * ledgers (workshop status, and the starting point of a run so resumed steps show as done).
 */
import type { LedgerData } from '../checkpoints/ledger-schema.js';
import type { RunEvent, StepPhase } from '../runner/progress-events.js';

export type Cell = 'pending' | 'active' | 'done' | 'failed' | 'skipped' | 'interrupted';

/** queued: waiting for a slot in the pool; idle: not part of this command. */
export type RowState = 'idle' | 'queued' | 'running' | 'done' | 'failed' | 'interrupted' | 'not started' | 'in progress' | 'torn down';

export interface MatrixRow {
  readonly id: string;
  state: RowState;
  readonly cells: Map<string, Cell>;
  /** The step the attendee is at (running) or stopped at (failed), else the last one that moved. */
  lastStep?: string | undefined;
  /** Short text for the status column while running: "running key-vault (retry 2)". */
  note?: string | undefined;
  /** Why it failed and what to do, for the summary. */
  hint?: string | undefined;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
}

export interface Matrix {
  /** Step ids in flow order; ids seen in events but unknown are appended. */
  readonly columns: string[];
  readonly rows: MatrixRow[];
}

export function createMatrix(columns: readonly string[], ids: readonly string[]): Matrix {
  return { columns: [...columns], rows: ids.map((id) => ({ id, state: 'idle', cells: new Map() })) };
}

export function rowOf(matrix: Matrix, id: string): MatrixRow {
  let row = matrix.rows.find((r) => r.id === id);
  if (!row) {
    row = { id, state: 'idle', cells: new Map() };
    matrix.rows.push(row);
  }
  return row;
}

const cellOfPhase: Record<StepPhase, Cell> = {
  checking: 'active',
  running: 'active',
  done: 'done',
  reused: 'done',
  failed: 'failed',
  skipped: 'skipped',
  interrupted: 'interrupted',
};

/** One attendee's run event: a step's phase moves its cell; the rest (logs, commands, prompts) leaves the matrix as it is. */
export function applyRunEvent(matrix: Matrix, id: string, event: RunEvent): void {
  if (event.type !== 'step') return;
  const { stepId, phase } = event;
  if (!matrix.columns.includes(stepId)) matrix.columns.push(stepId);
  const row = rowOf(matrix, id);
  row.cells.set(stepId, cellOfPhase[phase]);
  row.lastStep = stepId;
  if (phase === 'checking' || phase === 'running') row.note = `${phase} ${stepId}`;
  if (phase === 'failed' || phase === 'interrupted') row.hint = event.error?.split('\n')[0];
}

/** Cells and state from a ledger (status, and before a run resumes). */
export function applyLedger(matrix: Matrix, id: string, ledger: LedgerData | undefined, locked: boolean): void {
  const row = rowOf(matrix, id);
  row.cells.clear();
  row.lastStep = undefined;
  row.hint = undefined;
  if (!ledger) {
    row.state = 'not started';
    return;
  }
  for (const [stepId, record] of Object.entries(ledger.steps)) {
    if (!matrix.columns.includes(stepId)) matrix.columns.push(stepId);
    // A step left "running" by a process that is gone (no lock) was interrupted.
    const status = record.status === 'running' && !locked ? 'interrupted' : record.status;
    const cell: Cell = status === 'running' ? 'active' : status === 'pending' ? 'pending' : status;
    row.cells.set(stepId, cell);
  }
  const ordered = matrix.columns.filter((c) => ledger.steps[c]);
  const failed = ordered.find((c) => ['failed', 'interrupted'].includes(row.cells.get(c) ?? ''));
  const active = ordered.find((c) => row.cells.get(c) === 'active');
  const moved = [...ordered].reverse().find((c) => row.cells.get(c) !== 'pending');
  row.lastStep = active ?? failed ?? moved;
  if (failed) row.hint = [ledger.steps[failed]?.error?.split('\n')[0], ledger.steps[failed]?.hints?.[0]].filter(Boolean).join(' → ');
  const teardown = ledger.teardown;
  // A run after the teardown (a step ending later) means the attendee is set up again.
  const rerunSince =
    teardown?.endedAt !== undefined && Object.values(ledger.steps).some((r) => (r.endedAt ?? '') > (teardown.endedAt ?? ''));
  if (teardown?.status === 'done' && !rerunSince) row.state = 'torn down';
  else if (teardown?.status === 'failed') {
    row.state = 'failed';
    row.hint = `teardown: ${teardown.error ?? 'failed'}`;
  } else if (active || locked) row.state = 'running';
  else if (failed) row.state = row.cells.get(failed) === 'failed' ? 'failed' : 'interrupted';
  else if (matrix.columns.length > 0 && matrix.columns.every((c) => ['done', 'skipped'].includes(row.cells.get(c) ?? '')))
    row.state = 'done';
  else row.state = 'in progress';
}

export function counts(matrix: Matrix): Partial<Record<RowState, number>> {
  const result: Partial<Record<RowState, number>> = {};
  for (const row of matrix.rows) result[row.state] = (result[row.state] ?? 0) + 1;
  return result;
}
