import type { LedgerStore } from '../checkpoints/ledger-store.js';
import type { StepRecord } from '../checkpoints/ledger-schema.js';
import type { CreatedResource, CreateGuard, PendingCreate } from '../kernel/created-resource.js';
import { isNotFound } from './not-found.js';
import type { StepContext } from './step.js';

/**
 * Write-ahead records. A process killed between "the create command ran" and "the ledger says
 * so" would leave a resource no teardown knows about; so before a mutating command the step
 * records (and saves) what it may create, with the guard that finds it. On resume and on
 * teardown the guard decides: the resource is recorded as created by this run only when it
 * carries this run's mark, or, for kinds that take no mark, when the read before the create
 * had found nothing there. What the user already had is never adopted, so never torn down.
 */

/** The mark every resource the runbook creates carries: a tag, or this text in its description. */
export const runMark = (runId: string): string => `ratify-runbook-run=${runId}`;

/** True when `text` (a description) carries this run's marker as a word of its own. */
export function hasRunMarker(text: unknown, runId: string): boolean {
  if (typeof text !== 'string') return false;
  const marker = runMark(runId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s(])${marker}($|[\\s).,;])`).test(text);
}

const sameResource = (a: { kind: string; id?: string }, b: { kind: string; id?: string }) =>
  a.kind === b.kind && a.id !== undefined && b.id !== undefined && a.id.toLowerCase() === b.id.toLowerCase();

/** A pending record a created resource settles: same kind and id, or (id unknown) same details. */
function settles(pending: PendingCreate, resource: CreatedResource): boolean {
  if (pending.kind !== resource.kind) return false;
  if (pending.id !== undefined) return sameResource(pending, resource);
  return Object.entries(pending.details ?? {}).every(([k, v]) => resource.details?.[k] === v);
}

/** The hooks a step's context calls: `willCreate` saves the ledger and waits; `created` does only when no write-ahead record covers it. */
export function writeAheadHooks(store: LedgerStore, record: StepRecord, now: () => Date) {
  return {
    willCreate: async (pending: PendingCreate): Promise<void> => {
      // A retry announces the same resource again: one record for it is enough.
      const sameGuard = (p: PendingCreate) => JSON.stringify(p.guard) === JSON.stringify(pending.guard);
      const same = (p: PendingCreate) => p.kind === pending.kind && (sameResource(p, pending) || sameGuard(p));
      record.pending = [...(record.pending ?? []).filter((p) => !same(p)), { ...pending, at: now().toISOString() }];
      await store.save();
    },
    created: async (resource: CreatedResource): Promise<void> => {
      let settled = false;
      if (record.pending) {
        const index = record.pending.findIndex((p) => settles(p, resource));
        if (index >= 0) record.pending.splice(index, 1);
        settled = index >= 0;
        if (record.pending.length === 0) delete record.pending;
      }
      if (!record.created.some((r) => sameResource(r, resource))) record.created.push(resource);
      // A resource its write-ahead record announced needs no write of its own: that record is on
      // disk already, a resume or teardown settles it the same way (resolvePending), and the
      // step's next save carries this one. Any other resource is on disk before the step goes on.
      if (!settled) await store.save();
    },
  };
}

export type GuardVerdict = { found: 'ours'; id: string } | { found: 'absent' | 'foreign' | 'unknown'; why?: string };

/** Evaluates one guard with the step's own readers (an ARM GET, or one read command). */
export async function evaluateGuard(ctx: Pick<StepContext, 'cmd' | 'azure'>, pending: PendingCreate, runId: string): Promise<GuardVerdict> {
  const guard: CreateGuard = pending.guard;
  if (guard.kind === 'arm') {
    let resource;
    try {
      resource = await ctx.azure.getById(guard.id, guard.apiVersion);
    } catch (error) {
      return { found: 'unknown', why: (error as Error).message };
    }
    if (!resource) return { found: 'absent' };
    const marked =
      guard.mark === 'none' ||
      (guard.mark === 'tag' && resource.tags?.['ratify-runbook-run'] === runId) ||
      (guard.mark === 'description' && hasRunMarker((resource.properties as { description?: unknown } | undefined)?.description, runId));
    return marked ? { found: 'ours', id: pending.id ?? resource.id ?? guard.id } : { found: 'foreign' };
  }
  const result = await ctx.cmd.run(guard.argv, { mutates: false, allowFailure: true });
  if (result.exitCode !== 0) {
    return isNotFound(result) ? { found: 'absent' } : { found: 'unknown', why: result.stderr.trim().split('\n')[0] };
  }
  const lines = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return { found: 'absent' };
  if (guard.expect !== undefined && !lines.includes(guard.expect)) return { found: 'foreign' };
  return { found: 'ours', id: pending.id ?? lines[0]! };
}

/**
 * Settles the step's write-ahead records: what a guard finds and may adopt is recorded as
 * created; what is absent (the command never got that far) or not ours is dropped; what
 * cannot be read now stays pending for the next run. Saves the ledger when anything changed.
 */
export async function resolvePending(
  ctx: Pick<StepContext, 'cmd' | 'azure'>,
  record: StepRecord,
  runId: string,
  store: LedgerStore,
  log: (line: string) => void,
): Promise<void> {
  if (!record.pending?.length) return;
  const kept: NonNullable<StepRecord['pending']> = [];
  for (const pending of record.pending) {
    const verdict = await evaluateGuard(ctx, pending, runId);
    const what = `${pending.kind} ${pending.id ?? JSON.stringify(pending.details ?? {})}`;
    if (verdict.found === 'ours') {
      const resource: CreatedResource = { kind: pending.kind, id: verdict.id, ...(pending.details ? { details: pending.details } : {}) };
      if (!record.created.some((r) => sameResource(r, resource))) record.created.push(resource);
      log(`recorded ${pending.kind} ${verdict.id}: created by this run before it was interrupted`);
    } else if (verdict.found === 'foreign') {
      log(`found ${what} without this run's mark: not recorded as created (teardown leaves it)`);
    } else if (verdict.found === 'unknown') {
      kept.push(pending);
      log(`could not tell whether ${what} was created (${verdict.why ?? 'read failed'}): asking again next time`);
    }
  }
  if (kept.length > 0) record.pending = kept;
  else delete record.pending;
  await store.save();
}
