import { realClock } from '../../clock.js';
import type { KubeObject } from '../../world/model.js';
import { listByType } from '../../world/resources.js';
import { rawOf } from '../../world/tracked.js';
import type { Env } from '../ratify.js';
import { ofType, served, wantsTable, type ResourceRequest } from './handlers.js';
import type { CommitOptions, KubeApiHost } from './host.js';
import { fieldSelector, labelSelector } from './select.js';
import { toTable } from './tables.js';
import { bornAt, clusterView, tombstonesSince } from './view.js';

/**
 * `?watch=true`: a stream of ADDED / MODIFIED / DELETED events, one JSON object per line. The
 * world changes through tool calls and API writes (the host wakes the watch) and through time
 * (a pod starts, a policy syncs, a role assignment propagates): the watch sleeps on the world's
 * clock until the next such moment, so a test's virtual clock and a demo's real one both work.
 */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: unknown;
}

/** The next world time at which something changes by itself. */
export function nextDue(e: Env): number | undefined {
  const times: number[] = [];
  for (const o of Object.values(rawOf(e.kube.objects))) {
    if (o.sandbox?.readyAt !== undefined) times.push(o.sandbox.readyAt);
    if (o.sandbox?.goneAt !== undefined) times.push(o.sandbox.goneAt);
  }
  const sync = e.latency.ms('policySync');
  for (const pa of listByType(e.world, 'Microsoft.Authorization/policyAssignments')) times.push((pa.meta?.createdAt ?? 0) + sync);
  for (const rec of e.world.policySync) if (rec.deletedAt !== undefined) times.push(rec.deletedAt + sync);
  for (const ra of listByType(e.world, 'Microsoft.Authorization/roleAssignments'))
    times.push((ra.meta?.createdAt ?? 0) + e.latency.ms('rbacPropagation'));
  for (const f of listByType(e.world, 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials'))
    times.push((f.meta?.createdAt ?? 0) + e.latency.ms('ficPropagation'));
  const future = times.filter((t) => t > e.now);
  return future.length ? Math.min(...future) : undefined;
}

/** Sleeps on the world clock until `ms` passed, the world changed, or the client left. */
async function pause(host: KubeApiHost, ms: number, closed: Promise<void>): Promise<void> {
  if (host.clock !== realClock) {
    await Promise.race([host.clock.sleep(ms), closed]);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  await Promise.race([
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)))),
    new Promise<void>((resolve) => (unsubscribe = host.onChange(resolve))),
    closed,
  ]);
  if (timer) clearTimeout(timer);
  unsubscribe?.();
}

/** A real-clock watch looks again at least this often (real ms), whatever it expects. */
const RECHECK_MS = 1000;

export async function watch(
  host: KubeApiHost,
  env: () => Env,
  r: ResourceRequest,
  send: (event: WatchEvent) => void,
  closed: Promise<void>,
  commitOptions: CommitOptions = {},
): Promise<void> {
  let gone = false;
  void closed.then(() => (gone = true));
  const match = ofType(r.type);
  const labels = labelSelector(r.query.get('labelSelector'));
  const fields = fieldSelector(r.query.get('fieldSelector'));
  const table = wantsTable(r.accept);
  const selected = (o: KubeObject): boolean =>
    match(o) && (!r.type.namespaced || !r.namespace || o.metadata.namespace === r.namespace) && labels(o) && fields(o);
  const start = env();
  const deadline = start.now + Number(r.query.get('timeoutSeconds') ?? 1800) * 1000;
  const emit = (type: WatchEvent['type'], o: KubeObject, now: number): void => {
    const obj = served(o, r.type, r.version);
    send({ type, object: table ? toTable(r.type, [obj], now, String(o.metadata.resourceVersion), r.query.get('includeObject')) : obj });
  };
  const known = new Map<string, string>();
  const kinds = new Set([r.type.kind]);
  const first = clusterView(start, kinds);
  const since = r.query.get('resourceVersion');
  const fresh = !since || since === '0' || r.query.get('sendInitialEvents') === 'true';
  for (const v of first.objects) {
    if (!selected(v.object)) continue;
    known.set(v.key, String(v.object.metadata.resourceVersion));
    if (fresh) emit('ADDED', v.object, start.now);
    else if (Number(v.object.metadata.resourceVersion) > Number(since))
      emit((bornAt(start.cluster.id, v.key) ?? 0) > Number(since) ? 'ADDED' : 'MODIFIED', v.object, start.now);
  }
  if (!fresh)
    for (const t of tombstonesSince(start.cluster.id, Number(since))) if (selected(t.object)) emit('DELETED', t.object, start.now);
  if (r.query.get('sendInitialEvents') === 'true') {
    send({
      type: 'BOOKMARK',
      object: {
        kind: r.type.kind,
        apiVersion: served(first.objects[0]?.object ?? ({} as KubeObject), r.type, r.version).apiVersion,
        metadata: { resourceVersion: first.resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } },
      },
    });
  }
  while (!gone) {
    const e = env();
    if (e.now >= deadline) return;
    const due = nextDue(e);
    const until = Math.min(due ?? deadline, deadline);
    await pause(host, host.clock === realClock ? Math.min(until - e.now, RECHECK_MS) : until - e.now, closed);
    if (gone) return;
    await host.expire(commitOptions);
    const next = env();
    const view = clusterView(next, kinds);
    const seen = new Set<string>();
    for (const v of view.objects) {
      if (!selected(v.object)) continue;
      seen.add(v.key);
      const rv = String(v.object.metadata.resourceVersion);
      const before = known.get(v.key);
      if (before === rv) continue;
      known.set(v.key, rv);
      emit(before === undefined ? 'ADDED' : 'MODIFIED', v.object, next.now);
    }
    for (const key of [...known.keys()]) {
      if (seen.has(key)) continue;
      known.delete(key);
      const t = tombstonesSince(next.cluster.id, 0)
        .reverse()
        .find((x) => x.key === key);
      if (t) emit('DELETED', t.object, next.now);
    }
  }
}
