/**
 * A read that check() makes and run() would repeat at once. The engine calls the two back to
 * back on one context (nothing runs in between), so run() takes check()'s answer instead of
 * asking Azure again: on Azure each such read is an az process of about a second.
 */
const kept = new WeakMap<object, Map<string, Promise<unknown>>>();

/** In check(): reads, and keeps the answer for the run() that may follow. */
export function readForRun<T>(ctx: object, key: string, read: () => Promise<T>): Promise<T> {
  const answer = read();
  let map = kept.get(ctx);
  if (!map) kept.set(ctx, (map = new Map<string, Promise<unknown>>()));
  map.set(key, answer);
  return answer;
}

/** In run(): check()'s answer when it has just read it (once), else a fresh read. */
export function readFromCheck<T>(ctx: object, key: string, read: () => Promise<T>): Promise<T> {
  const map = kept.get(ctx);
  const answer = map?.get(key) as Promise<T> | undefined;
  if (answer) {
    map!.delete(key);
    return answer;
  }
  return read();
}
