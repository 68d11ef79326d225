import { createHash, randomUUID } from 'node:crypto';
import { hex, iso } from '../world/ids.js';
import type { KubeData, KubeObject, World } from '../world/model.js';

export const objKey = (kind: string, ns: string | undefined, name: string): string => `${kind}/${ns ?? ''}/${name}`;

export function makeObject(
  kind: string,
  apiVersion: string,
  name: string,
  ns: string | undefined,
  now: number,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
    readyAt?: number;
    owner?: string;
  } = {},
): KubeObject {
  const o: KubeObject = {
    apiVersion,
    kind,
    metadata: { name, creationTimestamp: iso(now).replace(/\.\d{3}Z$/, 'Z'), uid: randomUUID() },
    sandbox: { createdAt: now },
  };
  if (ns !== undefined) o.metadata.namespace = ns;
  if (extra.labels) o.metadata.labels = extra.labels;
  if (extra.annotations) o.metadata.annotations = extra.annotations;
  if (extra.spec) o.spec = extra.spec;
  if (extra.status) o.status = extra.status;
  if (extra.readyAt !== undefined) o.sandbox!.readyAt = extra.readyAt;
  if (extra.owner !== undefined) o.sandbox!.owner = extra.owner;
  return o;
}

export function putObject(kube: KubeData, o: KubeObject): KubeObject {
  kube.objects[objKey(o.kind, o.metadata.namespace, o.metadata.name)] = o;
  return o;
}

export function deleteObject(kube: KubeData, kind: string, ns: string | undefined, name: string): boolean {
  const k = objKey(kind, ns, name);
  if (!kube.objects[k]) return false;
  delete kube.objects[k];
  return true;
}

const podSuffix = (): string => {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
};

/** The pod-template-hash a Deployment's ReplicaSet and pods carry. */
export const templateHash = (dep: KubeObject): string =>
  createHash('sha256')
    .update(JSON.stringify(dep.spec?.template ?? {}))
    .digest('hex')
    .slice(0, 10);

/** A pod as a Deployment's ReplicaSet names it: `<deploy>-<rs hash>-<5 chars>`. */
export const replicaPodName = (deploy: string, hash = hex(5).slice(0, 10)): string => `${deploy}-${hash}-${podSuffix()}`;

export function addDeployment(
  kube: KubeData,
  name: string,
  ns: string,
  image: string,
  now: number,
  opts: { replicas?: number; labels?: Record<string, string>; readyAt?: number; owner?: string } = {},
): void {
  const labels = opts.labels ?? { app: name };
  const replicas = opts.replicas ?? 1;
  const dep = putObject(
    kube,
    makeObject('Deployment', 'apps/v1', name, ns, now, {
      labels,
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image }] } } },
      readyAt: opts.readyAt ?? now,
      ...(opts.owner ? { owner: opts.owner } : {}),
    }),
  );
  dep.metadata.generation = 1;
  const hash = templateHash(dep);
  for (let i = 0; i < replicas; i++) {
    const pod = putObject(
      kube,
      makeObject('Pod', 'v1', replicaPodName(name, hash), ns, now, {
        labels: { ...labels, 'pod-template-hash': hash },
        spec: { containers: [{ name, image }] },
        readyAt: opts.readyAt ?? now,
        owner: opts.owner ?? `deployment/${name}`,
      }),
    );
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: `${name}-${hash}`,
      uid: dep.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
    pod.metadata.ownerReferences = [rs];
  }
}

/** Removes a deployment and the pods it owns. */
export function removeDeployment(kube: KubeData, name: string, ns: string): void {
  deleteObject(kube, 'Deployment', ns, name);
  for (const [k, o] of Object.entries(kube.objects)) {
    if (o.kind === 'Pod' && o.metadata.namespace === ns && o.sandbox?.owner === `deployment/${name}`) delete kube.objects[k];
  }
}

export function newKube(): KubeData {
  return { objects: {}, releases: {}, logs: [] };
}

export function kubeOf(world: World, clusterId: string): KubeData {
  const k = clusterId.toLowerCase();
  return (world.clusters[k] ??= newKube());
}

export function log(kube: KubeData, now: number, source: string, text: string): void {
  kube.logs.push({ at: now, source, text });
  if (kube.logs.length > 400) kube.logs.splice(0, kube.logs.length - 400);
}
