import { appendFile, open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * Appends to a step's log (logs/<step>.<attempt>.log) through one open handle while the step
 * runs. A run appends about a hundred entries; appendFile opens and closes the file for each,
 * three file operations where one will do. Appends to one file land in the order they were
 * asked for, each written straight to the file (nothing is held back in memory).
 * `releaseStepLog` closes the file when its step is over; a later append works as appendFile does.
 */
interface OpenLog {
  readonly handle: Promise<FileHandle>;
  chain: Promise<void>;
}

const openLogs = new Map<string, OpenLog>();
const released = new Set<string>();

export function appendStepLog(file: string, text: string): Promise<void> {
  const path = resolve(file);
  if (released.has(path)) return appendFile(path, text);
  let log = openLogs.get(path);
  if (!log) {
    const handle = open(path, 'a');
    const opened: OpenLog = { handle, chain: Promise.resolve() };
    // A file that cannot be opened (its folder gone) fails its appends; the next append tries again.
    handle.catch(() => {
      if (openLogs.get(path) === opened) openLogs.delete(path);
    });
    openLogs.set(path, (log = opened));
  }
  const entry = log;
  const write = entry.chain.then(async () => {
    await (await entry.handle).write(text);
  });
  entry.chain = write.catch(() => {});
  return write;
}

/** The step is over: waits for its appends and closes the file. */
export async function releaseStepLog(file: string): Promise<void> {
  const path = resolve(file);
  released.add(path);
  const log = openLogs.get(path);
  if (!log) return;
  openLogs.delete(path);
  await log.chain;
  await (await log.handle.catch(() => undefined))?.close();
}
