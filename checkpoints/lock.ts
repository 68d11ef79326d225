import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError } from '../kernel/errors.js';
import { processAlive, processIdentity } from '../kernel/process-alive.js';

export const LOCK_FILE = 'state.lock';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Which process `pid` is (kernel/process-alive.ts), where the host tells: a later one given the same pid holds nothing. */
  process?: string;
}

export interface HeldLock {
  readonly info: LockInfo;
  release(): Promise<void>;
}

/**
 * One run per state dir. The lock file holds pid, host and start time; a second run exits 4
 * naming the holder. A lock left by a dead process on this host is taken over, with a notice.
 */
export async function acquireLock(
  stateDir: string,
  command: string,
  now: Date,
  notice: (line: string) => void,
  file: string = LOCK_FILE,
): Promise<HeldLock> {
  const path = join(stateDir, file);
  const identity = processIdentity(process.pid);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: now.toISOString(),
    command,
    ...(identity ? { process: identity } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx'); // O_EXCL: exactly one creator wins
      await handle.writeFile(`${JSON.stringify(info)}\n`);
      await handle.sync();
      await handle.close();
      return { info, release: () => releaseLock(path, info) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLockInfo(path);
    if (holder && isAlive(holder)) {
      throw new LockedError(
        `${file === LOCK_FILE ? 'The state dir' : 'The directory'} ${stateDir} is in use by "${holder.command}" ` +
          `(pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}).`,
        [
          'Wait for it to finish, or stop it (Ctrl-C) and run again.',
          `If that process is gone for good (another machine), delete ${path}.`,
        ],
      );
    }
    notice(
      holder
        ? `Taking over a stale lock from pid ${holder.pid} (${holder.command}, started ${holder.startedAt}), which is no longer running.`
        : `Removing an unreadable lock file ${path}.`,
    );
    await rm(path, { force: true });
  }
  throw new LockedError(`Could not take the lock ${path}: another process keeps taking it.`);
}

async function readLockInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        pid: parsed.pid,
        host: parsed.host,
        startedAt: String(parsed.startedAt),
        command: String(parsed.command),
        ...(typeof parsed.process === 'string' ? { process: parsed.process } : {}),
      };
    }
  } catch {
    /* unreadable: treated as stale */
  }
  return undefined;
}

function isAlive(holder: LockInfo): boolean {
  // A pid on another host cannot be checked: assume it is alive (the message says what to do).
  if (holder.host !== hostname()) return true;
  return processAlive(holder.pid, holder.process);
}

async function releaseLock(path: string, info: LockInfo): Promise<void> {
  const current = await readLockInfo(path);
  if (current && current.pid === info.pid && current.host === info.host) await rm(path, { force: true });
}
