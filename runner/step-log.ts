import { appendFileSync, closeSync, openSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Appends to a step's log (logs/<step>.<attempt>.log) through one open file while the step
 * runs. A run appends about a hundred entries; appendFile opens and closes the file for each,
 * three file operations where one will do. Each append is one write, made synchronously: a few
 * hundred bytes into the page cache take microseconds, while a trip through the thread pool costs
 * the main thread more than the write, and a command waits for its entry. So appends land in the
 * order they were asked for, each straight in the file (nothing is held back in memory).
 * `releaseStepLog` closes the file when its step is over; a later append works as appendFile does.
 */
const openLogs = new Map<string, number>();
const released = new Set<string>();

/** Async only so that a failed write is a rejection, as callers expect. */
export async function appendStepLog(file: string, text: string): Promise<void> {
  append(resolve(file), text);
}

function append(path: string, text: string): void {
  if (released.has(path)) return appendFileSync(path, text);
  let fd = openLogs.get(path);
  if (fd === undefined) {
    // A file that cannot be opened (its folder gone) fails this append; the next one tries again.
    fd = openSync(path, 'a');
    openLogs.set(path, fd);
  }
  writeFileSync(fd, text);
}

/** The step is over: closes its file. */
export async function releaseStepLog(file: string): Promise<void> {
  const path = resolve(file);
  released.add(path);
  const fd = openLogs.get(path);
  if (fd === undefined) return;
  openLogs.delete(path);
  closeSync(fd);
}
