/**
 * Waits for every one of a step's concurrent actions, then fails with the first failure. Unlike
 * Promise.all, a failure does not leave the others running unwatched: each one that creates
 * something records it before the step reports, so the ledger holds all of them.
 */
export async function allSettled(actions: readonly (Promise<unknown> | false | undefined)[]): Promise<void> {
  const outcomes = await Promise.allSettled(actions.filter((a): a is Promise<unknown> => a instanceof Promise));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
