import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A real zombie: bash starts `true` in the background, prints its pid and becomes `sleep`, which
 * never collects it. Until `release()` kills that parent, the pid answers kill(pid, 0) like a live
 * process, while /proc/<pid>/stat says Z. What a killed run leaves under an init that never reaps.
 */
export async function makeZombie(): Promise<{ pid: number; release(): void }> {
  const parent: ChildProcess = spawn('bash', ['-c', 'true & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('error', reject);
  });
  // The child has exited once its state reads Z.
  for (let i = 0; i < 200 && !/\) Z /.test(statOf(pid)); i++) await new Promise((r) => setTimeout(r, 5));
  return { pid, release: () => void parent.kill('SIGKILL') };
}

const statOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
};
