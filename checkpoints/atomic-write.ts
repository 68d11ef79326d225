import { closeSync, fsync, openSync, rename, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp names only need to be unique to this process (the pid tells processes apart). */
let tempCounter = 0;

/**
 * Writes a file so that a reader (or a crash, or kill -9) sees the old content or the new
 * content, never half of it: write a temp file in the same directory, fsync it, rename it
 * over the target, fsync the directory so the rename itself is durable. `durable: false`
 * keeps the atomic rename but skips the fsyncs, for files derived from one that is durable
 * (the notebook is re-rendered from the ledger).
 *
 * Open, write and close are synchronous on purpose: on a small file each is a few microseconds
 * in the page cache, while through the thread pool each costs a promise round trip on the main
 * thread (a run saves its ledger about fifty times). The fsyncs and the rename leave the main
 * thread: both wait for the disk. A rename over an existing file makes ext4 start writing the new
 * file out (auto_da_alloc) and waits for its journal, ~0.6 ms on average and up to 7 ms measured
 * per ledger save, so a workshop process with many attendees keeps serving meanwhile.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644, durable = true): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    try {
      writeFileSync(fd, content, 'utf8');
      if (durable) await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    await renameFile(temp, path);
  } catch (error) {
    // A full disk or a failed fsync leaves no half-written temp file behind.
    rmSync(temp, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(dir);
}

function renameFile(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => rename(from, to, (error) => (error ? reject(error) : resolve())));
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

async function syncDirectory(dir: string): Promise<void> {
  // Directories cannot be fsynced on every platform (Windows); the rename is still atomic there.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncFd(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
