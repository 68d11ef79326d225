import { ApiStatus } from '../client/http.js';
import { kindRef, resourcePath, type ApiResource } from '../client/mapper.js';
import { jsonpath } from '../jsonpath.js';
import { bool, durationMs, fail } from './args.js';
import type { Session } from './session.js';
import { byteOrder } from '../../../kernel/byte-order.js';

/**
 * kubectl's readers of live state: `logs`, `wait`, `rollout status`, and the wait for deletion
 * after `delete`. Waits list, then watch (the API server wakes the watch when the world changes
 * or when something is due), and give up at their timeout in world time.
 */
type Obj = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; deletionTimestamp?: string };
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
};

interface WatchEvent {
  type: string;
  object: Obj;
}

/**
 * Lists the collection, hands every object to `check` (`none` when it is empty), then watches
 * until `done()` or the timeout. Resolves true when done, false at the timeout.
 */
async function listThenWatch(
  s: Session,
  r: ApiResource,
  ns: string | undefined,
  query: Record<string, string | undefined>,
  timeoutMs: number,
  check: (ev: WatchEvent) => void,
  done: () => boolean,
  none?: () => void,
): Promise<boolean> {
  const path = resourcePath(r, ns);
  const list = await s.client.json<{ metadata: { resourceVersion: string }; items: Obj[] }>('GET', path, { query });
  for (const o of list.items) check({ type: 'ADDED', object: o });
  if (list.items.length === 0) none?.();
  if (done()) return true;
  const deadline = s.t.clock.now() + timeoutMs;
  let rv = list.metadata.resourceVersion;
  while (s.t.clock.now() < deadline) {
    const seconds = Math.max(1, Math.ceil((deadline - s.t.clock.now()) / 1000));
    await s.client.request('GET', path, {
      query: { ...query, watch: 'true', resourceVersion: rv, timeoutSeconds: String(seconds), allowWatchBookmarks: 'true' },
      onLine: (line) => {
        const ev = JSON.parse(line) as WatchEvent;
        if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
        if (ev.type !== 'BOOKMARK') check(ev);
        return !done();
      },
    });
    if (done()) return true;
  }
  return done();
}

/** `kubectl delete` waits until the object is gone (a terminating pod or namespace takes a while). */
export async function waitGone(s: Session, r: ApiResource, ns: string | undefined, name: string, timeoutMs = 60_000): Promise<void> {
  let gone = false;
  await listThenWatch(
    s,
    r,
    ns,
    { fieldSelector: `metadata.name=${name}` },
    timeoutMs,
    (ev) => void (gone = ev.type === 'DELETED'),
    () => gone,
    () => (gone = true),
  );
}

function conditionMet(o: Obj, cond: string): boolean {
  const m = /^condition=([^=]+)(?:=(.*))?$/i.exec(cond);
  if (m) {
    const want = (m[2] ?? 'true').toLowerCase();
    const c = ((o.status?.conditions as { type: string; status: string }[] | undefined) ?? []).find(
      (x) => x.type.toLowerCase() === m[1]!.toLowerCase(),
    );
    return c !== undefined && c.status.toLowerCase() === want;
  }
  const jp = /^jsonpath=(\{.*\})(?:=(.*))?$/.exec(cond) ?? /^jsonpath='(\{.*\})'(?:=(.*))?$/.exec(cond);
  if (jp) {
    const value = jsonpath(jp[1]!, o);
    return jp[2] === undefined ? value !== '' : value === jp[2];
  }
  return false;
}

export async function wait(s: Session): Promise<void> {
  const cond = s.p.flags.get('--for') ?? '';
  if (!/^(delete|condition=.+|jsonpath=.+)$/i.test(cond)) throw fail(`error: unrecognized condition: "${cond}"`);
  const timeout = durationMs(s.p.flags.get('--timeout'), 30_000);
  const ts = await s.targets(s.p.args.length ? s.p.args : ['pods']);
  for (const { r, names } of ts) {
    const selector = s.p.flags.get('--selector');
    if (!names.length && !selector && !bool(s.p, '--all'))
      throw fail('error: resource(s) were provided, but no name, label selector, or --all flag specified');
    const wanted = new Map<string, boolean>(names.map((n) => [n, false]));
    const seen = new Set<string>();
    const check = (ev: { type: string; object: Obj }): void => {
      const n = ev.object.metadata.name;
      if (names.length && !wanted.has(n)) return;
      seen.add(n);
      wanted.set(n, cond === 'delete' ? ev.type === 'DELETED' : ev.type !== 'DELETED' && conditionMet(ev.object, cond));
    };
    const query = names.length === 1 ? { fieldSelector: `metadata.name=${names[0]}` } : { labelSelector: selector };
    const done = (): boolean => [...wanted.values()].every(Boolean) && wanted.size > 0;
    const list = await s.client.json<{ items: Obj[] }>('GET', s.path(r), { query });
    if (cond === 'delete') for (const n of names) if (!list.items.some((o) => o.metadata.name === n)) wanted.set(n, true);
    if (!names.length) for (const o of list.items) wanted.set(o.metadata.name, false);
    if (wanted.size === 0) throw fail('error: no matching resources found');
    if (cond !== 'delete' && names.length) {
      const missing = names.filter((n) => !list.items.some((o) => o.metadata.name === n));
      if (missing.length)
        throw fail(`Error from server (NotFound): ${r.group ? `${r.plural}.${r.group}` : r.plural} "${missing[0]}" not found`);
    }
    const ok = await listThenWatch(s, r, r.namespaced ? s.ns : undefined, query, timeout, check, done);
    for (const [n, met] of wanted) {
      if (met) s.out(`${kindRef(r)}/${n} condition met\n`);
    }
    if (!ok) {
      const stuck = [...wanted].find(([, met]) => !met)![0];
      s.err(`error: timed out waiting for the condition on ${r.plural}/${stuck}`);
      return;
    }
    void seen;
  }
}

function rolloutMessage(o: Obj): { done: boolean; text: string } {
  const name = o.metadata.name;
  const st = (o.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number };
  const want = Number(o.spec?.replicas ?? 1);
  if (Number((o.metadata as { generation?: number }).generation ?? 0) > Number(st.observedGeneration ?? 0))
    return { done: false, text: 'Waiting for deployment spec update to be observed...\n' };
  if ((st.updatedReplicas ?? 0) < want)
    return {
      done: false,
      text: `Waiting for deployment "${name}" rollout to finish: ${st.updatedReplicas ?? 0} out of ${want} new replicas have been updated...\n`,
    };
  if ((st.replicas ?? 0) > (st.updatedReplicas ?? 0))
    return {
      done: false,
      text: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - (st.updatedReplicas ?? 0)} old replicas are pending termination...\n`,
    };
  if ((st.availableReplicas ?? 0) < (st.updatedReplicas ?? 0))
    return {
      done: false,
      text: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${st.updatedReplicas ?? 0} updated replicas are available...\n`,
    };
  return { done: true, text: `deployment "${name}" successfully rolled out\n` };
}

export async function rollout(s: Session): Promise<void> {
  if (s.p.args[0] !== 'status')
    throw fail(`error: unknown command "${s.p.args[0] ?? ''}" for "kubectl rollout"\nThe sandbox's kubectl knows "rollout status".`);
  const ts = await s.targets(s.p.args.slice(1));
  const { r, names } = ts[0]!;
  if (r.kind !== 'Deployment') throw fail(`error: no status viewer has been implemented for ${r.kind}`);
  const name = names[0];
  if (!name) throw fail('error: required resource name not specified');
  try {
    await s.client.json('GET', s.path(r, name));
  } catch (e) {
    if (e instanceof ApiStatus) throw fail(e.kubectlMessage);
    throw e;
  }
  let last = '';
  let finished = false;
  const ok = await listThenWatch(
    s,
    r,
    s.ns,
    { fieldSelector: `metadata.name=${name}` },
    durationMs(s.p.flags.get('--timeout'), 365 * 86_400_000),
    (ev) => {
      if (ev.type === 'DELETED') return;
      const m = rolloutMessage(ev.object);
      if (m.text !== last) s.out(m.text);
      last = m.text;
      finished = m.done;
    },
    () => finished,
  );
  if (!ok) s.err('error: timed out waiting for the condition');
}

/** kubectl picks the pod a controller's logs come from: running and ready first, then the oldest. */
function pickPod(pods: Obj[]): Obj | undefined {
  const score = (p: Obj): number => (p.status?.phase === 'Running' ? 0 : 1);
  return [...pods].sort(
    (a, b) =>
      score(a) - score(b) ||
      byteOrder(
        String((a.metadata as { creationTimestamp?: string }).creationTimestamp),
        String((b.metadata as { creationTimestamp?: string }).creationTimestamp),
      ),
  )[0];
}

export async function logs(s: Session): Promise<void> {
  const target = s.p.args[0];
  const selector = s.p.flags.get('--selector');
  let pods: Obj[];
  const podsR = await s.resource('pods');
  if (target?.includes('/')) {
    const slash = target.indexOf('/');
    const r = await s.resource(target.slice(0, slash));
    const name = target.slice(slash + 1);
    let obj: Obj;
    try {
      obj = await s.client.json<Obj>('GET', s.path(r, name));
    } catch (e) {
      if (e instanceof ApiStatus) throw fail(e.kubectlMessage);
      throw e;
    }
    if (r.kind === 'Pod') pods = [obj];
    else {
      const match = (obj.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
      const sel = Object.entries(match)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      if (!sel) throw fail(`error: cannot get the logs from ${kindRef(r)}`);
      const list = (await s.client.json<{ items: Obj[] }>('GET', s.path(podsR), { query: { labelSelector: sel } })).items;
      const chosen = pickPod(list);
      if (!chosen) throw fail(`error: timed out waiting for the condition`);
      if (list.length > 1) s.warn(`Found ${list.length} pods, using pod/${chosen.metadata.name}`);
      pods = [chosen];
    }
  } else if (target) {
    try {
      pods = [await s.client.json<Obj>('GET', s.path(podsR, target))];
    } catch (e) {
      if (e instanceof ApiStatus) throw fail(e.kubectlMessage);
      throw e;
    }
  } else if (selector) {
    pods = (await s.client.json<{ items: Obj[] }>('GET', s.path(podsR), { query: { labelSelector: selector } })).items;
    if (pods.length === 0) {
      s.warn(`No resources found in ${s.ns} namespace.`);
      return;
    }
  } else {
    throw fail(
      "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples",
    );
  }
  // With a selector kubectl shows the last 10 lines of each container unless told otherwise.
  const tail = s.p.flags.get('--tail') ?? (selector && !target ? '10' : undefined);
  for (const pod of pods) {
    const containers = ((pod.spec?.containers as { name: string }[] | undefined) ?? []).map((c) => c.name);
    const chosen = bool(s.p, '--all-containers')
      ? containers
      : [s.p.flags.get('--container') ?? (containers.length === 1 ? containers[0]! : '')];
    for (const c of chosen) {
      try {
        const res = await s.client.request('GET', s.path(podsR, pod.metadata.name, 'log', pod.metadata.namespace ?? s.ns), {
          query: {
            container: c || undefined,
            tailLines: tail !== undefined && Number(tail) >= 0 ? tail : undefined,
            timestamps: bool(s.p, '--timestamps') ? 'true' : undefined,
            previous: bool(s.p, '--previous') ? 'true' : undefined,
            sinceSeconds: s.p.flags.get('--since') ? String(Math.round(durationMs(s.p.flags.get('--since'), 0) / 1000)) : undefined,
          },
          accept: 'application/json, */*',
        });
        if (res.status !== 200) throw ApiStatus.from(res);
        const prefix = bool(s.p, '--prefix') ? `[pod/${pod.metadata.name}/${c}] ` : '';
        s.out(prefix ? res.text.replace(/^(?=.)/gm, prefix) : res.text);
      } catch (e) {
        if (!(e instanceof ApiStatus)) throw e;
        s.err(e.kubectlMessage);
      }
    }
  }
}
