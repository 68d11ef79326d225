import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendStepLog, releaseStepLog } from '../../runner/step-log.js';

/** The open file descriptors of this process that point at `file` (Linux: /proc/self/fd). */
async function descriptorsOf(file: string): Promise<number> {
  const { readlink } = await import('node:fs/promises');
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) === file) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

describe('step logs', () => {
  it('appends in the order asked, through one open file while the step runs, closed when it is over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rr-steplog-'));
    const file = join(dir, 'key-vault.1.log');
    const writes = Array.from({ length: 50 }, (_, i) => appendStepLog(file, `line ${i}\n`));
    await Promise.all(writes);
    expect(await descriptorsOf(file)).toBe(1);
    await releaseStepLog(file);
    expect(await descriptorsOf(file)).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
    // A late line (after the step) still lands, and leaves nothing open.
    await appendStepLog(file, 'late\n');
    expect(await descriptorsOf(file)).toBe(0);
    expect((await readFile(file, 'utf8')).endsWith('line 49\nlate\n')).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it('a log whose folder is missing fails its append, and the next append once the folder exists succeeds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rr-steplog-'));
    const file = join(dir, 'logs', 'verify.1.log');
    await expect(appendStepLog(file, 'first\n')).rejects.toThrow(/ENOENT/);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'logs'));
    await appendStepLog(file, 'second\n');
    await releaseStepLog(file);
    expect(await readFile(file, 'utf8')).toBe('second\n');
    await rm(dir, { recursive: true, force: true });
  });
});
