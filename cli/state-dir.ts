import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { acquireLock, type HeldLock } from '../checkpoints/lock.js';
import { newLedger, readLedger, verifySameTarget } from '../checkpoints/ledger.js';
import type { LedgerData, Target } from '../checkpoints/ledger-schema.js';
import { checkRunId, verifySameRunId } from '../checkpoints/run-id.js';
import type { Clock } from '../kernel/clock.js';
import { UsageError } from '../kernel/errors.js';
import { stringOption, type Parsed } from './args.js';
import { writeLine, type Io } from '../kernel/io.js';

export const DEFAULT_STATE_DIR = '.ratify-runbook';

export function stateDirOf(io: Io, parsed: Parsed): string {
  return resolve(io.cwd, stringOption(parsed, 'state-dir') ?? DEFAULT_STATE_DIR);
}

/** `--run-id ID`, checked before anything is touched (exit 2 with what is allowed). */
export function runIdOf(parsed: Parsed): string | undefined {
  const id = stringOption(parsed, 'run-id');
  return id === undefined ? undefined : checkRunId(id);
}

export interface OpenStateDir {
  readonly stateDir: string;
  /** The ledger on disk, or a new one for this target. */
  readonly ledger: LedgerData;
  readonly existed: boolean;
  release(): Promise<void>;
}

/**
 * Takes the state dir's lock, then reads the ledger (a corrupt or foreign one stops here with
 * exit 2, before any question is asked or command run) and checks it targets the same world.
 */
export async function openStateDir(
  io: Io,
  options: {
    stateDir: string;
    command: string;
    target: Target;
    clock: Clock;
    /** The run's mark for a new ledger (`--run-id`, already checked); an existing ledger must carry the same. */
    runId?: string | undefined;
  },
): Promise<OpenStateDir> {
  let lock: HeldLock;
  try {
    await mkdir(options.stateDir, { recursive: true });
    lock = await acquireLock(options.stateDir, options.command, options.clock.now(), (line) => writeLine(io.stderr, `! ${line}`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !['EEXIST', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS'].includes(code)) throw error;
    // A state dir that is a file, a lock file that is a directory, no permission: say so, touch nothing.
    throw new UsageError(`Cannot use ${options.stateDir} as the state dir (${code}: ${(error as Error).message}).`, [
      'It must be a directory you can write to; pass another --state-dir, or fix what is in the way.',
    ]);
  }
  try {
    const existing = await readLedger(options.stateDir);
    if (existing) verifySameTarget(existing.target, options.target, options.stateDir);
    if (existing) verifySameRunId(existing.runId, options.runId, options.stateDir);
    return {
      stateDir: options.stateDir,
      ledger: existing ?? newLedger(options.target, options.clock.now(), options.runId),
      existed: existing !== undefined,
      release: () => lock.release(),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Reads the ledger without taking the lock (status, export): they only read. */
export async function readStateDir(stateDir: string): Promise<LedgerData | undefined> {
  return readLedger(stateDir);
}
