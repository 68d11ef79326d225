import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp names only need to be unique to this process (the pid tells processes apart). */
let tempCounter = 0;

/**
 * Writes a file so that a reader (or a crash, or kill -9) sees the old content or the new
 * content, never half of it: write a temp file in the same directory, fsync it, rename it
 * over the target, fsync the directory so the rename itself is durable. `durable: false`
 * keeps the atomic rename but skips the fsyncs, for files derived from one that is durable
 * (the notebook is re-rendered from the ledger).
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644, durable = true): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content, 'utf8');
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  // Directories cannot be fsynced on every platform (Windows); the rename is still atomic there.
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    /* best effort */
  } finally {
    await handle?.close();
  }
}
