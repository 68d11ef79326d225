import { createHash } from 'node:crypto';
import { serverVersion } from '../version.js';
import { groupVersion, type ResourceType } from './resource-types.js';

/**
 * Discovery as kubectl and the clients read it: the aggregated documents client-go asks for
 * first (`/api`, `/apis`), the legacy ones (`/api`, `/apis`, one APIResourceList per group
 * version), `/version`, and the OpenAPI v3 documents kubectl reads to
 * learn that the server validates fields itself (the `fieldValidation` parameter on PATCH).
 */
export const version = serverVersion;

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groups(types: readonly ResourceType[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = out.get(t.group) ?? [];
    for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
    out.set(t.group, versions);
  }
  return out;
}

export function apiGroupList(types: readonly ResourceType[]): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(types)].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiGroup(types: readonly ResourceType[], group: string): Record<string, unknown> | undefined {
  const versions = groups(types).get(group);
  if (!versions) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${versions[0]}`, version: versions[0] },
  };
}

export function apiResourceList(types: readonly ResourceType[], group: string, version: string): Record<string, unknown> | undefined {
  const served = types.filter((t) => t.group === group && t.versions.includes(version));
  if (served.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of served) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: createHash('sha256').update(`${t.group}/${t.plural}`).digest('base64').slice(0, 11),
    });
    for (const sub of t.subresources) {
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: sub === 'scale' ? 'Scale' : t.kind,
        verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, GA in Kubernetes 1.30): `/api` or `/apis` in one
 * document with every resource of every version, which client-go (kubectl, Helm) asks for first
 * (AGGREGATED_DISCOVERY). A client that does not ask gets the legacy documents above.
 * This function says whether an Accept header takes it before plain JSON.
 */
export function wantsAggregated(accept: string): boolean {
  for (const type of accept.split(',')) {
    const [media = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
    const p = new Map(params.map((x) => x.split('=') as [string, string]));
    if (
      media === 'application/json' &&
      p.get('g') === 'apidiscovery.k8s.io' &&
      p.get('v') === 'v2' &&
      p.get('as') === 'apigroupdiscoverylist'
    )
      return true;
    if (media === 'application/json' && !p.has('g')) return false;
    if (media === '*/*' || media === 'application/*') return false;
  }
  return false;
}

const subresourceKind = (t: ResourceType, version: string, sub: string): Record<string, string> =>
  sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { group: t.group, version, kind: t.kind };

/** `/api` (`core`: the legacy group) or `/apis` as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(types: readonly ResourceType[], core: boolean): Record<string, unknown> {
  const names = core ? [''] : [...groups(types).keys()];
  const versionsOf = (group: string): string[] => (group === '' ? ['v1'] : (groups(types).get(group) ?? []));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: names.map((group) => ({
      metadata: { creationTimestamp: null, ...(group ? { name: group } : {}) },
      versions: versionsOf(group).map((version) => ({
        version,
        resources: types
          .filter((t) => t.group === group && t.versions.includes(version))
          .map((t) => ({
            resource: t.plural,
            responseKind: { group: t.group, version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: t.verbs,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length ? { categories: t.categories } : {}),
            ...(t.subresources.length
              ? {
                  subresources: t.subresources.map((sub) => ({
                    subresource: sub,
                    responseKind: subresourceKind(t, version, sub),
                    verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
                  })),
                }
              : {}),
          })),
        freshness: 'Current',
      })),
    })),
  };
}

/** The group versions with an OpenAPI v3 document (built-in ones; CRDs borrow Namespace's). */
function openApiGroupVersions(types: readonly ResourceType[]): Map<string, ResourceType[]> {
  const out = new Map<string, ResourceType[]>();
  for (const t of types) {
    if (!t.builtIn) continue;
    for (const v of t.versions) {
      const key = t.group ? `apis/${t.group}/${v}` : `api/${v}`;
      out.set(key, [...(out.get(key) ?? []), t]);
    }
  }
  return out;
}

const docHash = (key: string, types: readonly ResourceType[]): string =>
  createHash('sha512')
    .update(key + types.map((t) => t.kind).join(','))
    .digest('hex')
    .slice(0, 128)
    .toUpperCase();

export function openApiV3Root(types: readonly ResourceType[]): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, ts] of openApiGroupVersions(types)) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${docHash(key, ts)}` };
  return { paths };
}

/**
 * One group version's document: a PATCH operation per kind that names its GVK and takes
 * `fieldValidation`, so kubectl leaves validation to the server. Its request bodies do not offer
 * strategic merge, so `kubectl apply` computes its patches from its own built-in types.
 */
export function openApiV3Document(types: readonly ResourceType[], key: string): Record<string, unknown> | undefined {
  const ts = openApiGroupVersions(types).get(key);
  if (!ts) return undefined;
  const version = key.split('/').pop()!;
  const paths: Record<string, unknown> = {};
  const param = (name: string): Record<string, unknown> => ({
    name,
    in: 'query',
    description: name,
    schema: { type: 'string', uniqueItems: true },
  });
  for (const t of ts) {
    const base = `/${key}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        parameters: [param('dryRun'), param('fieldManager'), param('fieldValidation'), param('force')],
        requestBody: {
          content: Object.fromEntries(
            ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'].map((ct) => [
              ct,
              { schema: { type: 'object' } },
            ]),
          ),
          required: true,
        },
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version, kind: t.kind },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: String(version) }, paths, components: { schemas: {} } };
}
