import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../world/model.js';
import { admitPod } from '../admission.js';
import { objKey } from '../objects.js';
import type { Env } from '../ratify.js';
import { cascadeDelete, reconcileDeployment, startPod } from './controllers.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { groupVersion, typeFromCrd, type ResourceType } from './resource-types.js';
import { fieldSelector, labelSelector } from './select.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  forbidden,
  invalid,
  methodNotAllowed,
  nameProblem,
  notFound,
  qualified,
} from './status.js';
import { toTable } from './tables.js';
import { clusterView, nodeNames, type ClusterView, type ViewObject } from './view.js';
import { byteOrder } from '../../../kernel/byte-order.js';

/**
 * The verbs of one resource type: list, get, create, update, patch (merge, strategic, JSON
 * patch, server-side apply), delete, deletecollection and the status subresource, with the
 * cluster's rules: names are validated, a pod goes through Gatekeeper admission (Ratify's
 * verdict), Azure Policy's add-on refuses Gatekeeper objects created outside Azure Policy, and the
 * controllers react to each change.
 */
export interface ResourceRequest {
  method: string;
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  /** The Accept header: `as=Table` asks for server-side printing. */
  accept: string;
  contentType: string;
  body: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

export const AZURE_POLICY_DENIAL =
  'admission webhook "byovalidation.policy.azure.com" denied the request: This cluster is governed by Azure Policy. Policies must be created through Azure.';
const POLICY_GROUPS = ['templates.gatekeeper.sh', 'constraints.gatekeeper.sh', 'mutations.gatekeeper.sh'];

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const wantsTable = (accept: string): boolean => /as=Table/.test(accept);

export const ofType =
  (t: ResourceType) =>
  (o: KubeObject): boolean =>
    o.kind === t.kind && groupOf(o.apiVersion) === t.group;

/** The object as served in the requested version (one schema for every version here). */
export const served = (o: KubeObject, t: ResourceType, version: string): KubeObject => ({
  ...o,
  apiVersion: groupVersion(t.group, version),
});

function addonOn(e: Env): boolean {
  return Boolean((e.cluster.properties.addonProfiles as Record<string, { enabled?: boolean }> | undefined)?.azurepolicy?.enabled);
}

function parseBody(r: ResourceRequest): Record<string, unknown> {
  if (!r.body.trim()) throw badRequest('the server rejected our request due to an error in our request: empty body');
  try {
    const doc: unknown = /yaml/.test(r.contentType) ? parseYaml(r.body) : JSON.parse(r.body);
    if (doc === null || typeof doc !== 'object') throw new Error('not an object');
    return doc as Record<string, unknown>;
  } catch (e) {
    throw badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`);
  }
}

function findIn(view: ClusterView, r: ResourceRequest, name: string): ViewObject | undefined {
  const match = ofType(r.type);
  return view.objects.find(
    (v) => match(v.object) && v.object.metadata.name === name && (r.type.namespaced ? v.object.metadata.namespace === r.namespace : true),
  );
}

/** Where etcd keeps the object under its type (`<namespace>/<name>`, or the name): a list comes in this key order. */
const storageKey = (o: KubeObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

function list(view: ClusterView, r: ResourceRequest): KubeObject[] {
  const match = ofType(r.type);
  const labels = labelSelector(r.query.get('labelSelector'));
  const fields = fieldSelector(r.query.get('fieldSelector'));
  return view.objects
    .map((v) => v.object)
    .filter((o) => match(o) && (!r.type.namespaced || !r.namespace || o.metadata.namespace === r.namespace) && labels(o) && fields(o))
    .sort((a, b) => byteOrder(storageKey(a), storageKey(b)))
    .map((o) => served(o, r.type, r.version));
}

/** A `<Kind>List` of the requested version. */
function listReply(r: ResourceRequest, resourceVersion: string, items: readonly KubeObject[]): Reply {
  const body = { apiVersion: groupVersion(r.type.group, r.version), kind: `${r.type.kind}List`, metadata: { resourceVersion }, items };
  return { status: 200, body };
}

export function getList(e: Env, r: ResourceRequest): Reply {
  const view = clusterView(e, kindOf(r));
  const items = list(view, r);
  if (wantsTable(r.accept)) return { status: 200, body: toTable(r.type, items, e.now, view.resourceVersion, r.query.get('includeObject')) };
  return listReply(r, view.resourceVersion, items);
}

export function getOne(e: Env, r: ResourceRequest): Reply {
  const view = clusterView(e, kindOf(r), objKey(r.type.kind, r.type.namespaced ? r.namespace : undefined, r.name!));
  const found = findIn(view, r, r.name!);
  if (!found) throw notFound(r.type.plural, r.type.group, r.name!);
  const o = served(found.object, r.type, r.version);
  if (wantsTable(r.accept) && !r.subresource)
    return { status: 200, body: toTable(r.type, [o], e.now, view.resourceVersion, r.query.get('includeObject')) };
  return { status: 200, body: o };
}

function validateName(r: ResourceRequest, name: string): void {
  const problem = nameProblem(name, r.type.kind === 'Namespace' || r.type.kind === 'Service');
  if (problem)
    throw invalid(r.type.kind, r.type.builtIn ? '' : r.type.group, name, [
      { field: 'metadata.name', message: problem, reason: problem.startsWith('Required') ? 'FieldValueRequired' : 'FieldValueInvalid' },
    ]);
}

/**
 * Gatekeeper objects belong to Azure Policy on clusters with the add-on: its own webhook refuses
 * the rest (docs/troubleshooting.md#azure-policy-rejects-gatekeeper-objects).
 */
function policyGuard(e: Env, r: ResourceRequest, verb: 'creating' | 'updating' | 'deleting'): void {
  if (addonOn(e) && POLICY_GROUPS.includes(r.type.group)) throw forbidden(verb === 'deleting' ? AZURE_POLICY_DENIAL : AZURE_POLICY_DENIAL);
}

function requireNamespace(e: Env, r: ResourceRequest): void {
  if (!r.type.namespaced) return;
  const ns = e.kube.objects[objKey('Namespace', undefined, r.namespace!)];
  if (!ns) throw notFound('namespaces', '', r.namespace!);
  if (ns.sandbox?.goneAt !== undefined)
    throw forbidden(
      `${r.type.plural} "${String(r.name ?? '')}" is forbidden: unable to create new content in namespace ${r.namespace} because it is being terminated`,
    );
}

function podChecks(e: Env, r: ResourceRequest, o: KubeObject): void {
  const containers = (o.spec?.containers as { name?: string; image?: string }[] | undefined) ?? [];
  const causes: { field: string; message: string; reason?: string }[] = [];
  if (containers.length === 0) causes.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  containers.forEach((c, i) => {
    if (!c.name) causes.push({ field: `spec.containers[${i}].name`, message: 'Required value', reason: 'FieldValueRequired' });
    if (!c.image) causes.push({ field: `spec.containers[${i}].image`, message: 'Required value', reason: 'FieldValueRequired' });
  });
  if (causes.length) throw invalid('Pod', '', o.metadata.name, causes);
  const adm = admitPod(
    e,
    r.namespace ?? 'default',
    containers.map((c) => String(c.image)),
  );
  if (!adm.allowed) throw forbidden(adm.message);
}

/** Server-set fields of a new object; the body's status is ignored (controllers report it). */
function prepareNew(e: Env, r: ResourceRequest, doc: Record<string, unknown>): KubeObject {
  const meta = { ...((doc.metadata ?? {}) as Record<string, unknown>) };
  let name = String(meta.name ?? '');
  if (!name && meta.generateName) name = `${String(meta.generateName)}${randomBytes(3).toString('hex').slice(0, 5)}`;
  validateName(r, name);
  if (r.name && r.name !== name) throw badRequest(`the name of the object (${name}) does not match the name on the URL (${r.name})`);
  if (r.type.namespaced) {
    if (meta.namespace && meta.namespace !== r.namespace)
      throw badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
    meta.namespace = r.namespace;
  } else delete meta.namespace;
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'deletionTimestamp', 'managedFields', 'selfLink']) delete meta[k];
  const { status: _status, metadata: _m, apiVersion, kind, ...rest } = doc;
  if (kind && kind !== r.type.kind)
    throw badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (${groupVersion(r.type.group, r.version)})`,
    );
  const o: KubeObject = {
    ...rest,
    apiVersion: groupVersion(r.type.group, r.version),
    kind: r.type.kind,
    metadata: {
      ...meta,
      name,
      creationTimestamp: isoSeconds(e.now),
      uid: randomUUID(),
      ...(r.type.kind !== 'Pod' && r.type.kind !== 'Namespace' ? { generation: 1 } : {}),
    },
    sandbox: { createdAt: e.now },
  };
  if (o.kind === 'Secret') {
    const data = { ...((o.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries((o.stringData as Record<string, string> | undefined) ?? {}))
      data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
    o.data = data;
    o.type ??= 'Opaque';
  }
  if (o.kind === 'Service')
    o.spec = { type: 'ClusterIP', ...o.spec, clusterIP: `10.0.${randomBytes(1)[0]! % 250}.${(randomBytes(1)[0]! % 250) + 2}` };
  if (o.kind === 'Pod') o.spec = { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', serviceAccountName: 'default', ...o.spec };
  if (o.kind === 'CustomResourceDefinition') {
    const names = (o.spec?.names ?? {}) as Record<string, unknown>;
    o.status = {
      acceptedNames: { kind: names.kind, plural: names.plural },
      conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }],
    };
  }
  return o;
}

/** Only the requested type's objects are computed for a request. */
const kindOf = (r: ResourceRequest): ReadonlySet<string> => new Set([r.type.kind]);

const dryRun = (r: ResourceRequest): boolean => r.query.getAll('dryRun').includes('All');

/** The one object of `key` as the API serves it now (computing only that one). */
const viewed = (e: Env, r: ResourceRequest, key: string): ViewObject | undefined => clusterView(e, kindOf(r), key).objects[0];

/** After a stored change, with the object as the API now returns it. */
function answer(e: Env, r: ResourceRequest, key: string, status: number): Reply {
  const found = viewed(e, r, key);
  return { status, body: found ? served(found.object, r.type, r.version) : null };
}

export function create(e: Env, r: ResourceRequest, docIn?: Record<string, unknown>): Reply {
  const doc = docIn ?? parseBody(r);
  requireNamespace(e, r);
  policyGuard(e, r, 'creating');
  const o = prepareNew(e, r, doc);
  const key = objKey(o.kind, o.metadata.namespace, o.metadata.name);
  if (e.kube.objects[key] || (!r.type.builtIn && viewed(e, r, key))) throw alreadyExists(r.type.plural, r.type.group, o.metadata.name);
  if (o.kind === 'Pod') podChecks(e, r, o);
  if (dryRun(r)) return { status: 201, body: { ...served(o, r.type, r.version), sandbox: undefined } };
  const node = nodeNames(e)[0]!;
  e.kube.objects[key] = o;
  if (o.kind === 'Pod') startPod(e, o, node);
  if (o.kind === 'Deployment') reconcileDeployment(e, o, node);
  return answer(e, r, key, 201);
}

/** Replaces what a client may change, keeping what the server owns. */
function replaceStored(e: Env, r: ResourceRequest, stored: KubeObject, next: Record<string, unknown>): KubeObject {
  const meta = (next.metadata ?? {}) as Record<string, unknown>;
  if (meta.resourceVersion) {
    const current = viewed(e, r, objKey(stored.kind, stored.metadata.namespace, stored.metadata.name));
    if (current && current.object.metadata.resourceVersion !== meta.resourceVersion)
      throw conflict(r.type.plural, r.type.group, stored.metadata.name);
  }
  if (meta.name !== undefined && meta.name !== stored.metadata.name)
    throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${stored.metadata.name})`);
  const { status, metadata: _m, apiVersion: _a, kind: _k, sandbox: _s, ...rest } = next;
  const keep = {
    name: stored.metadata.name,
    ...(stored.metadata.namespace ? { namespace: stored.metadata.namespace } : {}),
    uid: stored.metadata.uid,
    creationTimestamp: stored.metadata.creationTimestamp,
  };
  const cleanMeta = { ...meta };
  for (const k of ['resourceVersion', 'managedFields', 'selfLink', 'deletionTimestamp', 'generation']) delete cleanMeta[k];
  const updated: KubeObject = {
    ...rest,
    apiVersion: stored.apiVersion,
    kind: stored.kind,
    metadata: { ...cleanMeta, ...keep },
    sandbox: stored.sandbox,
  };
  if (r.subresource === 'status') {
    return { ...stored, status: (status ?? {}) as Record<string, unknown> };
  }
  if (stored.status && stored.kind !== 'Pod' && stored.kind !== 'Deployment') updated.status = stored.status;
  const specChanged = JSON.stringify(updated.spec ?? null) !== JSON.stringify(stored.spec ?? null);
  if (stored.metadata.generation !== undefined) updated.metadata.generation = stored.metadata.generation + (specChanged ? 1 : 0);
  if (stored.kind === 'Pod') {
    // A pod's spec is fixed but for images; admission checks the new images.
    const images = (o: KubeObject): string =>
      JSON.stringify(((o.spec?.containers as { image?: string }[] | undefined) ?? []).map((c) => c.image));
    if (specChanged && images(updated) !== images(stored)) podChecks(e, r, updated);
    updated.spec = { ...stored.spec, containers: updated.spec?.containers ?? stored.spec?.containers };
  }
  if (stored.kind === 'Secret' && updated.stringData) {
    const data = { ...((updated.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(updated.stringData as Record<string, string>)) data[k] = Buffer.from(String(v)).toString('base64');
    delete updated.stringData;
    updated.data = data;
  }
  return updated;
}

function storedFor(e: Env, r: ResourceRequest): { key: string; stored: KubeObject } {
  const key = objKey(r.type.kind, r.type.namespaced ? r.namespace : undefined, r.name!);
  const stored = e.kube.objects[key];
  if (stored && ofType(r.type)(stored)) return { key, stored };
  const computed = viewed(e, r, key);
  if (computed) throw forbidden(AZURE_POLICY_DENIAL);
  throw notFound(r.type.plural, r.type.group, r.name!);
}

function store(e: Env, r: ResourceRequest, key: string, before: KubeObject, after: KubeObject, status: number): Reply {
  if (dryRun(r)) return { status, body: served(after, r.type, r.version) };
  e.kube.objects[key] = after;
  if (after.kind === 'Deployment' && JSON.stringify(after.spec) !== JSON.stringify(before.spec))
    reconcileDeployment(e, after, nodeNames(e)[0]!);
  return answer(e, r, key, status);
}

export function update(e: Env, r: ResourceRequest): Reply {
  const doc = parseBody(r);
  policyGuard(e, r, 'updating');
  const { key, stored } = storedFor(e, r);
  return store(e, r, key, stored, replaceStored(e, r, stored, doc), 200);
}

export function patch(e: Env, r: ResourceRequest): Reply {
  const ct = r.contentType.split(';')[0]!.trim();
  policyGuard(e, r, 'updating');
  if (ct === 'application/apply-patch+yaml') {
    const key = objKey(r.type.kind, r.type.namespaced ? r.namespace : undefined, r.name!);
    if (!e.kube.objects[key]) return create(e, r, parseBody(r));
  }
  const { key, stored } = storedFor(e, r);
  const current = viewed(e, r, key)!.object;
  let patched: unknown;
  switch (ct) {
    case 'application/merge-patch+json':
      patched = mergePatch(current, parseBody(r));
      break;
    case 'application/strategic-merge-patch+json':
      patched = strategicMergePatch(current, parseBody(r));
      break;
    case 'application/apply-patch+yaml':
      patched = strategicMergePatch(current, parseBody(r));
      break;
    case 'application/json-patch+json': {
      let ops: unknown;
      try {
        ops = JSON.parse(r.body);
      } catch (err) {
        throw badRequest(`the server rejected our request due to an error in our request: ${(err as Error).message}`);
      }
      patched = jsonPatch(current, ops);
      break;
    }
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
  const next = { ...(patched as Record<string, unknown>) };
  // The view's resourceVersion is the one patched against: no conflict with itself.
  const meta = { ...((next.metadata ?? {}) as Record<string, unknown>) };
  if (meta.resourceVersion === current.metadata.resourceVersion) delete meta.resourceVersion;
  next.metadata = meta;
  return store(e, r, key, stored, replaceStored(e, r, stored, next), 200);
}

export function remove(e: Env, r: ResourceRequest): Reply {
  policyGuard(e, r, 'deleting');
  const { key, stored } = storedFor(e, r);
  const before = viewed(e, r, key)!.object;
  if (dryRun(r)) return { status: 200, body: served(before, r.type, r.version) };
  deleteStored(e, key, stored);
  return { status: 200, body: served(before, r.type, r.version) };
}

function deleteStored(e: Env, key: string, stored: KubeObject): void {
  delete e.kube.objects[key];
  cascadeDelete(e, stored, (crd) => typeFromCrd(crd), nodeNames(e)[0]!);
}

export function removeCollection(e: Env, r: ResourceRequest): Reply {
  policyGuard(e, r, 'deleting');
  const view = clusterView(e, kindOf(r));
  const victims = list(view, r);
  if (!dryRun(r)) {
    for (const o of victims) {
      const key = objKey(o.kind, o.metadata.namespace, o.metadata.name);
      const stored = e.kube.objects[key];
      if (stored) deleteStored(e, key, stored);
    }
  }
  return listReply(r, view.resourceVersion, victims);
}

export function checkVerb(r: ResourceRequest): void {
  if (r.subresource && !r.type.subresources.includes(r.subresource))
    throw notFound(`${r.type.plural}/${r.subresource}`, r.type.group, r.name ?? '');
  if (r.subresource === 'log' && r.method !== 'GET') throw methodNotAllowed();
}

export { qualified };
