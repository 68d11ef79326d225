import { readFileSync } from 'node:fs';

/**
 * Whether a process of this host still runs: what the state dir's lock and the sandbox's owner
 * election ask of the pid they recorded.
 *
 * `kill(pid, 0)` is not enough on its own:
 * - it also succeeds for a zombie, a process that died (a kill -9 included) and that its parent
 *   has not collected yet. A container whose init never collects orphans, or a supervisor that
 *   collects late, keeps one around, and a resume would be told that the killed run still holds
 *   its state dir;
 * - a pid is given again to a later process (after a reboot, soon), and a lock left by a crash
 *   would then name whatever runs under that pid now.
 * Where /proc tells (Linux), a zombie counts as gone, and so does a process that is not the one
 * recorded (`identity`, from processIdentity when the pid was written down).
 */
export function processAlive(pid: number, identity?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return true; // no /proc (macOS), or it just went: kill() said it was there
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return identity === undefined || identity === `${bootId()}/${stat.startTicks}`;
}

/**
 * Which process a pid is: this boot's id and the process's start time in clock ticks since boot,
 * which together never name two processes. Undefined where /proc cannot tell.
 */
export function processIdentity(pid: number): string | undefined {
  const stat = procStat(pid);
  const boot = bootId();
  return stat && boot ? `${boot}/${stat.startTicks}` : undefined;
}

function procStat(pid: number): { state: string; startTicks: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid ...": the command name may hold spaces and parentheses, so the fields are
  // counted from the last ')'. The state is field 3, the start time field 22 (proc(5)).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}
