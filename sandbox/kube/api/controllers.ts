import { randomBytes } from 'node:crypto';
import type { KubeData, KubeObject } from '../../world/model.js';
import { rbacAllows } from '../../world/rbac.js';
import { listByType } from '../../world/resources.js';
import { objKey, templateHash } from '../objects.js';
import { parseRef, type Env } from '../ratify.js';

/**
 * What the cluster's controllers do when the API stores a change: a Deployment gets its pods
 * (and new ones when its template changes), a deleted Deployment or Namespace takes what it owns
 * with it, a deleted CRD its custom resources, a pod deleted under a live Deployment comes back
 * under a new name, and the kubelet reports pulls and starts as Events.
 */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const podSuffix = (): string => {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
};

/** Can the kubelet pull the image? AKS nodes pull from ACR with the kubelet identity (--attach-acr). */
export function pullProblem(e: Env, image: string): string | undefined {
  const ref = parseRef(image);
  const reg = listByType(e.world, 'Microsoft.ContainerRegistry/registries').find(
    (r) => String(r.properties.loginServer).toLowerCase() === ref.registry.toLowerCase(),
  );
  if (!reg) return ref.registry.endsWith('.azurecr.io') ? 'ErrImagePull' : undefined;
  const kubelet = String((e.cluster.properties.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId);
  if (!rbacAllows(e.world, kubelet, 'acr/pull', reg.id, e.now, 0)) return 'ImagePullBackOff';
  const repo = e.world.registries[reg.name.toLowerCase()]?.repositories[ref.repo];
  const digest = ref.digest ?? repo?.tags[ref.tag ?? 'latest'];
  return repo && digest && repo.manifests[digest] ? undefined : 'ErrImagePull';
}

const MAX_EVENTS = 300;

export function recordEvent(
  e: Env,
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  source: string,
): void {
  const ns = involved.metadata.namespace ?? 'default';
  const name = `${involved.metadata.name}.${randomBytes(8).toString('hex')}`;
  const at = isoSeconds(e.now);
  e.kube.objects[objKey('Event', ns, name)] = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns, creationTimestamp: at, uid: randomUUIDish() },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      name: involved.metadata.name,
      namespace: ns,
      uid: involved.metadata.uid,
    },
    reason,
    message,
    source: { component: source },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type,
    reportingComponent: source,
    sandbox: { createdAt: e.now },
  };
  const events = Object.entries(e.kube.objects).filter(([, o]) => o.kind === 'Event');
  for (const [k] of events.slice(0, Math.max(0, events.length - MAX_EVENTS))) delete e.kube.objects[k];
}

const randomUUIDish = (): string => {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A new pod: scheduled, its images pulled (or not), started after the pod start time. */
export function startPod(e: Env, pod: KubeObject, node: string): void {
  pod.sandbox = { ...pod.sandbox, createdAt: pod.sandbox?.createdAt ?? e.now, readyAt: e.now + e.latency.ms('podStart') };
  const images = ((pod.spec?.containers as { image?: string }[] | undefined) ?? []).map((c) => String(c.image ?? ''));
  recordEvent(
    e,
    pod,
    'Normal',
    'Scheduled',
    `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`,
    'default-scheduler',
  );
  for (const image of images) {
    const problem = pullProblem(e, image);
    recordEvent(e, pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet');
    if (problem) {
      pod.sandbox.reason = problem;
      const why =
        problem === 'ErrImagePull'
          ? 'not found'
          : 'failed to authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized';
      recordEvent(
        e,
        pod,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": ${why}`,
        'kubelet',
      );
      recordEvent(e, pod, 'Warning', 'Failed', `Error: ${problem}`, 'kubelet');
      return;
    }
    recordEvent(e, pod, 'Normal', 'Pulled', `Successfully pulled image "${image}"`, 'kubelet');
  }
  recordEvent(
    e,
    pod,
    'Normal',
    'Created',
    `Created container ${String((pod.spec?.containers as { name?: string }[] | undefined)?.[0]?.name ?? '')}`,
    'kubelet',
  );
  recordEvent(
    e,
    pod,
    'Normal',
    'Started',
    `Started container ${String((pod.spec?.containers as { name?: string }[] | undefined)?.[0]?.name ?? '')}`,
    'kubelet',
  );
}

function newReplica(e: Env, dep: KubeObject, node: string): KubeObject {
  const template = (dep.spec?.template ?? {}) as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Record<string, unknown>;
  };
  const hash = templateHash(dep);
  const name = `${dep.metadata.name}-${hash}-${podSuffix()}`;
  const ns = dep.metadata.namespace ?? 'default';
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      creationTimestamp: isoSeconds(e.now),
      uid: randomUUIDish(),
      generateName: `${dep.metadata.name}-${hash}-`,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${dep.metadata.name}-${hash}`,
          uid: dep.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...(template.spec ?? {}), serviceAccountName: String(template.spec?.serviceAccountName ?? 'default') },
    sandbox: {
      createdAt: e.now,
      owner: dep.sandbox?.owner && !dep.sandbox.owner.startsWith('helm/') ? dep.sandbox.owner : `deployment/${dep.metadata.name}`,
    },
  };
  startPod(e, pod, node);
  return pod;
}

const podsOf = (kube: KubeData, dep: KubeObject): [string, KubeObject][] =>
  Object.entries(kube.objects).filter(([, o]) => o.kind === 'Pod' && o.metadata.namespace === dep.metadata.namespace && isOwnedBy(o, dep));

function isOwnedBy(pod: KubeObject, dep: KubeObject): boolean {
  const owner = pod.sandbox?.owner ?? '';
  return owner === `deployment/${dep.metadata.name}` || (dep.sandbox?.owner !== undefined && owner === dep.sandbox.owner);
}

/** The Deployment controller: the right number of pods of the current template. */
export function reconcileDeployment(e: Env, dep: KubeObject, node: string): void {
  const replicas = Number(dep.spec?.replicas ?? 1);
  const hash = templateHash(dep);
  const pods = podsOf(e.kube, dep).filter(([, p]) => p.sandbox?.goneAt === undefined);
  let current = 0;
  for (const [key, pod] of pods) {
    if (pod.metadata.labels?.['pod-template-hash'] !== undefined && pod.metadata.labels['pod-template-hash'] !== hash)
      delete e.kube.objects[key];
    else if (++current > replicas) delete e.kube.objects[key];
  }
  let latest = 0;
  for (; current < replicas; current++) {
    const pod = newReplica(e, dep, node);
    e.kube.objects[objKey('Pod', pod.metadata.namespace, pod.metadata.name)] = pod;
    latest = Math.max(latest, pod.sandbox?.readyAt ?? e.now);
  }
  if (latest)
    dep.sandbox = { ...dep.sandbox, createdAt: dep.sandbox?.createdAt ?? e.now, readyAt: Math.max(latest, dep.sandbox?.readyAt ?? 0) };
}

/** What goes with a deleted object (the garbage collector and the namespace controller). */
export function cascadeDelete(
  e: Env,
  gone: KubeObject,
  crdKinds: (crd: KubeObject) => { kind: string; group: string } | undefined,
  node: string,
): void {
  const ns = gone.metadata.namespace;
  if (gone.kind === 'Namespace') {
    for (const [k, o] of Object.entries(e.kube.objects)) if (o.metadata.namespace === gone.metadata.name) delete e.kube.objects[k];
  } else if (gone.kind === 'Deployment') {
    for (const [k] of podsOf(e.kube, gone)) delete e.kube.objects[k];
  } else if (gone.kind === 'CustomResourceDefinition') {
    const t = crdKinds(gone);
    if (t)
      for (const [k, o] of Object.entries(e.kube.objects))
        if (o.kind === t.kind && (o.apiVersion.split('/')[0] ?? '') === t.group) delete e.kube.objects[k];
  } else if (gone.kind === 'Pod') {
    // A pod owned by a live Deployment comes back under a new name.
    const owner = gone.sandbox?.owner ?? '';
    const dep = Object.values(e.kube.objects).find(
      (o) =>
        o.kind === 'Deployment' &&
        o.metadata.namespace === ns &&
        o.sandbox?.goneAt === undefined &&
        (owner === `deployment/${o.metadata.name}` || (o.sandbox?.owner !== undefined && owner === o.sandbox.owner)),
    );
    if (dep) reconcileDeployment(e, dep, node);
  }
}
