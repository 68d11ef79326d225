import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../checkpoints/atomic-write.js';
import { tempDir } from '../helpers/engine-harness.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole with the mode asked for, durable or not, and leaves no temp file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'state.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new content', 0o600);
    expect(await readFile(file, 'utf8')).toBe('new content');
    await writeFileAtomic(join(dir, 'notebook.md'), '# quick', 0o644, false);
    expect(await readFile(join(dir, 'notebook.md'), 'utf8')).toBe('# quick');
    expect((await stat(join(dir, 'notebook.md'))).mode & 0o777).toBe(0o644);
    expect((await readdir(dir)).sort()).toEqual(['notebook.md', 'state.json']);
  });

  it('a write that cannot land (a directory in the way) fails and removes its temp file', async () => {
    const dir = await tempDir();
    const target = join(dir, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true });
    await expect(writeFileAtomic(target, 'text')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(await readdir(dir)).toEqual(['taken']);
  });
});
