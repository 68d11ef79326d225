import { createHash } from 'node:crypto';
import type { KubeObject } from '../../world/model.js';
import { rawOf } from '../../world/tracked.js';
import { evaluatePod } from '../admission.js';
import { constraintCrd, crdObject } from '../crds.js';
import { makeObject } from '../objects.js';
import { policyObjects, policyView } from '../policy.js';
import { akvProvider, kmpState, type Env } from '../ratify.js';
import { KUBE_VERSION } from '../version.js';
import { typesOf, type ResourceType } from './resource-types.js';

/**
 * The cluster as its API server shows it now: stored objects with the statuses their
 * controllers would report at this world time (pods start, deployments roll out, Ratify's key
 * management provider fetches its certificate), plus what the add-ons project into the cluster
 * (the policy add-on's constraint template and constraints, the nodes). Every object carries a
 * resourceVersion that changes exactly when what the API returns for it changes.
 */
export interface ViewObject {
  /** The store key (`Kind/ns/name`); computed objects have keys of the same shape. */
  key: string;
  object: KubeObject;
  /** Only in the store (a client may write it); computed objects are read-only. */
  stored: boolean;
}

export interface ClusterView {
  objects: ViewObject[];
  /** The highest resourceVersion in the view (a list's resourceVersion). */
  resourceVersion: string;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const podImages = (o: KubeObject): string[] =>
  ((o.spec?.containers as { image?: string }[] | undefined) ?? []).map((c) => String(c.image ?? ''));

/** `aks-nodepool1-12345678-vmss000000`: the node names AKS gives a pool's VM scale set. */
export function nodeNames(e: Env): string[] {
  const pools = (e.cluster.properties.agentPoolProfiles as { name: string; count?: number }[] | undefined) ?? [
    { name: 'nodepool1', count: 1 },
  ];
  const id = parseInt(createHash('sha256').update(e.cluster.id.toLowerCase()).digest('hex').slice(0, 7), 16) % 100_000_000;
  return pools.flatMap((p) =>
    Array.from(
      { length: Math.max(1, p.count ?? 1) },
      (_, i) => `aks-${p.name}-${String(id).padStart(8, '0')}-vmss${String(i).padStart(6, '0')}`,
    ),
  );
}

function nodeObjects(e: Env): KubeObject[] {
  const created = Number(e.cluster.meta?.createdAt ?? e.now);
  return nodeNames(e).map((name, i) =>
    makeObject('Node', 'v1', name, undefined, created, {
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node.kubernetes.io/instance-type': 'Standard_DS2_v2',
        agentpool: name.split('-')[1] ?? 'nodepool1',
      },
      status: {
        addresses: [
          { type: 'InternalIP', address: `10.224.0.${4 + i}` },
          { type: 'Hostname', address: name },
        ],
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
        nodeInfo: {
          kubeletVersion: `v${KUBE_VERSION}`,
          kubeProxyVersion: `v${KUBE_VERSION}`,
          osImage: 'Ubuntu 22.04.5 LTS',
          containerRuntimeVersion: 'containerd://1.7.27-1',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    }),
  );
}

function podStatus(o: KubeObject, e: Env, node: string): void {
  const reason = o.sandbox?.reason;
  const ready = (o.sandbox?.readyAt ?? 0) <= e.now;
  const running = ready && !reason;
  const started = new Date(o.sandbox?.createdAt ?? e.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const containers = (o.spec?.containers as { name?: string; image?: string }[] | undefined) ?? [];
  o.spec = { ...o.spec, nodeName: String(o.spec?.nodeName ?? node) };
  const cond = (type: string, ok: boolean): Record<string, unknown> => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: started,
    ...(ok
      ? {}
      : { reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]` }),
  });
  o.status = {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      cond('PodReadyToStartContainers', running),
      cond('Initialized', true),
      cond('Ready', running),
      cond('ContainersReady', running),
      cond('PodScheduled', true),
    ],
    hostIP: '10.224.0.4',
    podIP: `10.244.0.${(parseInt(o.metadata.uid.slice(0, 2), 16) % 250) + 2}`,
    startTime: started,
    qosClass: 'BestEffort',
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: running ? `${String(c.image).split(/[@:]/)[0]}@sha256:${createHash('sha256').update(String(c.image)).digest('hex')}` : '',
      ready: running,
      started: running,
      restartCount: 0,
      state: running
        ? { running: { startedAt: started } }
        : { waiting: { reason: reason ?? 'ContainerCreating', ...(reason ? { message: `Back-off pulling image "${c.image}"` } : {}) } },
    })),
  };
}

function deploymentStatus(o: KubeObject, e: Env): void {
  const replicas = Number(o.spec?.replicas ?? 1);
  const ready = (o.sandbox?.readyAt ?? 0) <= e.now;
  const at = new Date(o.sandbox?.createdAt ?? e.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  o.status = {
    observedGeneration: o.metadata.generation ?? 1,
    replicas,
    updatedReplicas: replicas,
    ...(ready ? { readyReplicas: replicas, availableReplicas: replicas } : { unavailableReplicas: replicas }),
    conditions: [
      {
        type: 'Available',
        status: ready ? 'True' : 'False',
        reason: ready ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: ready ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: ready ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message: `ReplicaSet "${o.metadata.name}" ${ready ? 'has successfully progressed' : 'is progressing'}.`,
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
    ],
  };
}

/** Which kinds a request needs (undefined: all); the policy projections cost the most. */
export type KindFilter = ReadonlySet<string> | undefined;
const wants = (kinds: KindFilter, kind: string): boolean => kinds === undefined || kinds.has(kind);
const POLICY_KINDS = ['ConstraintTemplate', 'RatifyVerification', 'CustomResourceDefinition'];

/**
 * The stored objects and the add-ons' projections, statuses computed for world time e.now; with
 * `only`, just the object of that key (what a create, update or delete answers with).
 */
export function materialize(e: Env, kinds?: KindFilter, only?: string): ViewObject[] {
  const out: ViewObject[] = [];
  const node = nodeNames(e)[0]!;
  const kmpObject = wants(kinds, 'KeyManagementProvider') ? akvProvider(e.kube) : undefined;
  const kmp = kmpObject ? kmpState(e, kmpObject) : undefined;
  // Read raw: every request materializes the cluster, and a copy made through the world's
  // change-tracking view reads each nested value through a proxy.
  const storedObjects = rawOf(e.kube.objects);
  const kmpRaw = kmpObject ? rawOf(kmpObject) : undefined;
  for (const [key, stored] of only === undefined ? Object.entries(storedObjects) : [[only, storedObjects[only]] as const]) {
    if (!stored || !wants(kinds, stored.kind)) continue;
    const o = clone(stored);
    if (o.kind === 'Pod') podStatus(o, e, node);
    else if (o.kind === 'Deployment') deploymentStatus(o, e);
    else if (o.kind === 'Namespace') o.status = { phase: o.sandbox?.goneAt !== undefined ? 'Terminating' : 'Active' };
    else if (o.kind === 'KeyManagementProvider' && kmp && stored === kmpRaw) {
      // Ratify fetches when the provider is (re)created; the sandbox computes the outcome live.
      const at = new Date(stored.sandbox?.createdAt ?? e.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      o.status = {
        issuccess: kmp.ok,
        ...(kmp.ok ? {} : { error: kmp.error, brieferror: (kmp.error ?? '').slice(0, 100) }),
        lastfetchedtime: at,
        properties: { certificates: kmp.certs.map((c) => ({ name: c.name, version: c.version.version, lastRefreshed: at })) },
      };
    } else if (['Verifier', 'Store', 'Policy', 'KeyManagementProvider'].includes(o.kind)) o.status = { issuccess: true };
    if (o.sandbox?.goneAt !== undefined) o.metadata.deletionTimestamp = new Date(o.sandbox.goneAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    out.push({ key, object: o, stored: true });
  }
  // A stored object is never also a projected one.
  if (only !== undefined && out.length > 0) return out;
  const projected: KubeObject[] = [];
  if (POLICY_KINDS.some((k) => wants(kinds, k))) {
    const view = policyView(e.world, e.cluster, e.now, e.latency);
    const pods = Object.values(storedObjects).filter((o) => o.kind === 'Pod');
    // Audit constraints list the violations of the pods that run now.
    projected.push(
      ...policyObjects(view, (c) =>
        pods.flatMap((p) =>
          evaluatePod(e, p.metadata.namespace ?? 'default', podImages(p), [c], false).map((v) => ({
            namespace: p.metadata.namespace ?? '',
            name: p.metadata.name,
            message: v.message,
          })),
        ),
      ),
    );
    if (view.templateCreatedAt !== undefined)
      projected.push(crdObject(constraintCrd('RatifyVerification'), view.templateCreatedAt, { 'gatekeeper.sh/constraint': 'yes' }));
  }
  if (wants(kinds, 'Node')) projected.push(...nodeObjects(e));
  for (const o of projected.filter((x) => wants(kinds, x.kind))) {
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (only !== undefined && key !== only) continue;
    // Stable identities for computed objects, so their resourceVersions only move on change.
    o.metadata.uid = uidFor(e.cluster.id, o.kind, o.metadata.name);
    out.push({ key, object: o, stored: false });
  }
  return out;
}

const uidFor = (...parts: string[]): string => {
  const h = createHash('sha256').update(parts.join('/').toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** Per cluster: the JSON last served for each object and the resourceVersion it got. */
interface VersionCache {
  /** `born`: the resourceVersion the object first had (a watch from before it reports ADDED). */
  entries: Map<string, { json: string; rv: number; born: number }>;
  /** Objects that disappeared, kept for watches that started before (bounded). */
  tombstones: { key: string; rv: number; object: KubeObject }[];
}

const caches = new Map<string, VersionCache>();
/** resourceVersions only grow, across restarts of the owner too (they start from the clock). */
let counter = Date.now() * 1000;

/** The cluster's objects (of `kinds` only, when given; of one key, with `only`) as the API serves them now. */
export function clusterView(e: Env, kinds?: KindFilter, only?: string): ClusterView {
  const objs = materialize(e, kinds, only);
  const id = e.cluster.id.toLowerCase();
  let cache = caches.get(id);
  if (!cache) caches.set(id, (cache = { entries: new Map(), tombstones: [] }));
  const seen = new Set<string>();
  for (const v of objs) {
    const { sandbox: _bookkeeping, ...served } = v.object;
    const json = JSON.stringify(served);
    seen.add(v.key);
    const prev = cache.entries.get(v.key);
    const rv = prev && prev.json === json ? prev.rv : ++counter;
    if (rv !== prev?.rv) cache.entries.set(v.key, { json, rv, born: prev?.born ?? rv });
    v.object = { ...served, metadata: { ...served.metadata, resourceVersion: String(rv) } };
  }
  for (const [key, entry] of cache.entries) {
    if (seen.has(key) || !wants(kinds, key.slice(0, key.indexOf('/'))) || (only !== undefined && key !== only)) continue;
    cache.entries.delete(key);
    const object = JSON.parse(entry.json) as KubeObject;
    object.metadata.resourceVersion = String(++counter);
    cache.tombstones.push({ key, rv: counter, object });
    if (cache.tombstones.length > 500) cache.tombstones.splice(0, cache.tombstones.length - 500);
  }
  return { objects: objs, resourceVersion: String(counter) };
}

/** The types the cluster serves: the built-ins, its stored CRDs and the policy add-on's constraint CRD. */
export function clusterTypes(e: Env): ResourceType[] {
  return clusterTypesUntil(e).types;
}

function clusterTypesUntil(e: Env): { types: ResourceType[]; until: number } {
  const crds = Object.values(rawOf(e.kube.objects)).filter((o) => o.kind === 'CustomResourceDefinition');
  const policy = policyView(e.world, e.cluster, e.now, e.latency);
  if (policy.templateCreatedAt !== undefined) crds.push(crdObject(constraintCrd('RatifyVerification'), policy.templateCreatedAt));
  return { types: typesOf(crds), until: policy.changesAt ?? Number.POSITIVE_INFINITY };
}

/** Per world and cluster: its types at one world revision, and until when (world time) they hold. */
type KeptTypes = Map<string, { revision: number; until: number; types: ResourceType[] }>;
const typesKept = new WeakMap<object, KeptTypes>();

/**
 * clusterTypes, kept while the world stays at `revision` and its time has not reached the next
 * policy sync: every request to the API needs the types (to route it), and working them out
 * again cost a third of the API's time during a Helm install.
 */
export function clusterTypesAt(e: Env, revision: number | undefined): ResourceType[] {
  if (revision === undefined) return clusterTypes(e);
  const world = rawOf(e.world);
  let perCluster = typesKept.get(world);
  if (!perCluster) typesKept.set(world, (perCluster = new Map() as KeptTypes));
  const id = e.cluster.id.toLowerCase();
  const kept = perCluster.get(id);
  if (kept && kept.revision === revision && e.now < kept.until) return kept.types;
  const { types, until } = clusterTypesUntil(e);
  perCluster.set(id, { revision, until, types });
  return types;
}

/** The resourceVersion at which the object first appeared. */
export function bornAt(clusterId: string, key: string): number | undefined {
  return caches.get(clusterId.toLowerCase())?.entries.get(key)?.born;
}

/** Deletions since `rv` (a watch that resumes from a list reports them as DELETED). */
export function tombstonesSince(clusterId: string, rv: number): { key: string; rv: number; object: KubeObject }[] {
  return (caches.get(clusterId.toLowerCase())?.tombstones ?? []).filter((t) => t.rv > rv);
}
