import { readFileSync } from 'node:fs';

/**
 * Whether a process of this host still runs: what the state dir's lock and the sandbox's owner
 * election ask of the pid they recorded.
 *
 * `kill(pid, 0)` also succeeds for a zombie: a process that died (a kill -9 included) and that
 * its parent has not collected yet. A container whose init never collects orphans, or a
 * supervisor that collects late, keeps one around, and a resume would then be told that the
 * killed run still holds its state dir. Where /proc tells a process's state (Linux), a zombie
 * counts as gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // no /proc (macOS), or it just went: kill() said it was there
  }
  // "pid (comm) S ...": the command name may hold spaces and parentheses; the state follows the last ')'.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}
