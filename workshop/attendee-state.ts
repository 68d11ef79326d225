/**
 * What the workshop knows about one attendee, read without taking any lock: the ledger
 * (state.json), whether a run holds the state dir now, and the outcome of the last workshop
 * command (DIR/<id>/workshop-last.json, which also covers runs that stopped before any ledger
 * existed, e.g. invalid answers).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import { readLedger } from '../checkpoints/ledger.js';
import type { LedgerData } from '../checkpoints/ledger-schema.js';
import { LOCK_FILE } from '../checkpoints/lock.js';
import type { AttendeeOutcome } from './events.js';
import { applyLedger, rowOf, type Matrix } from './matrix.js';

export const LAST_OUTCOME_FILE = 'workshop-last.json';

export interface LastOutcome {
  readonly command: 'run' | 'teardown';
  readonly exitCode: number;
  readonly endedAt: string;
  readonly lastStep?: string | undefined;
  readonly message?: string | undefined;
  readonly hint?: string | undefined;
}

export interface AttendeeState {
  readonly id: string;
  readonly stateDir: string;
  readonly ledger: LedgerData | undefined;
  /** A corrupt or foreign ledger: reported, never "fixed". */
  readonly ledgerProblem?: string | undefined;
  readonly locked: boolean;
  readonly last: LastOutcome | undefined;
}

export async function readAttendeeState(dir: string, id: string): Promise<AttendeeState> {
  const stateDir = join(dir, id);
  let ledger: LedgerData | undefined;
  let ledgerProblem: string | undefined;
  try {
    ledger = await readLedger(stateDir);
  } catch (error) {
    ledgerProblem = (error as Error).message;
  }
  const locked = await access(join(stateDir, LOCK_FILE)).then(
    () => true,
    () => false,
  );
  return { id, stateDir, ledger, ledgerProblem, locked, last: await readLastOutcome(stateDir) };
}

async function readLastOutcome(stateDir: string): Promise<LastOutcome | undefined> {
  try {
    const data = JSON.parse(await readFile(join(stateDir, LAST_OUTCOME_FILE), 'utf8')) as LastOutcome;
    return typeof data.exitCode === 'number' ? data : undefined;
  } catch {
    return undefined; // missing or damaged: it is only a hint, the ledger is the truth
  }
}

export async function writeLastOutcome(
  stateDir: string,
  command: LastOutcome['command'],
  outcome: AttendeeOutcome,
  now: Date,
): Promise<void> {
  const data: LastOutcome = {
    command,
    exitCode: outcome.exitCode,
    endedAt: now.toISOString(),
    lastStep: outcome.lastStep,
    message: outcome.message,
    hint: outcome.hint,
  };
  await writeFileAtomic(join(stateDir, LAST_OUTCOME_FILE), `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * For --retry-failed. run: a failed or interrupted step, or a last run that failed before its
 * ledger said done (e.g. invalid answers). teardown: a teardown that failed or was interrupted.
 */
export function hasFailed(state: AttendeeState, command: LastOutcome['command'] = 'run'): boolean {
  if (state.ledgerProblem) return true;
  const lastFailed = state.last !== undefined && state.last.command === command && state.last.exitCode !== 0;
  if (command === 'teardown') {
    const status = state.ledger?.teardown?.status;
    return status === 'failed' || status === 'interrupted' || status === 'running' || (lastFailed && status !== 'done');
  }
  const steps = Object.values(state.ledger?.steps ?? {});
  if (steps.some((s) => s.status === 'failed' || s.status === 'interrupted')) return true;
  const allDone = steps.length > 0 && steps.every((s) => s.status === 'done' || s.status === 'skipped');
  return lastFailed && !allDone;
}

/** An attendee's row from what is on disk: the ledger's cells, or why there is none (damaged, or a run stopped before one). */
export function applyAttendeeState(matrix: Matrix, state: AttendeeState): void {
  applyLedger(matrix, state.id, state.ledger, state.locked);
  const row = rowOf(matrix, state.id);
  if (state.ledgerProblem) {
    row.state = 'failed';
    row.hint = state.ledgerProblem;
  } else if (!state.ledger && state.last && state.last.exitCode !== 0) {
    row.state = 'failed';
    row.hint = [state.last.message, state.last.hint].filter(Boolean).join(' → ');
  }
}
