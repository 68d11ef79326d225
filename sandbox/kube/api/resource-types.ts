import type { KubeObject } from '../../world/model.js';
import type { PrinterColumn } from '../crds.js';

/** One resource type the API serves: built in, or defined by a CustomResourceDefinition. */
export interface ResourceType {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: string[];
  /** CRD printer columns (built-in types have their own table code). */
  columns?: PrinterColumn[];
  builtIn: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const builtIn = (group: string, version: string, kind: string, plural: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  group,
  versions: [version],
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  builtIn: true,
  ...extra,
});

export const BUILT_IN: ResourceType[] = [
  builtIn('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status', 'finalize'],
  }),
  builtIn('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  builtIn('', 'v1', 'Pod', 'pods', { shortNames: ['po'], categories: ['all'], subresources: ['log', 'status'] }),
  builtIn('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  builtIn('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  builtIn('', 'v1', 'Secret', 'secrets'),
  builtIn('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  builtIn('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  builtIn('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  builtIn('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
  builtIn('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
  builtIn('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  builtIn('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  builtIn('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', { namespaced: false, verbs: ['create'] }),
  builtIn('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
];

interface CrdSpec {
  group: string;
  scope: string;
  names: { kind: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
  versions: {
    name: string;
    served?: boolean;
    storage?: boolean;
    additionalPrinterColumns?: PrinterColumn[];
    subresources?: Record<string, unknown>;
  }[];
}

export function typeFromCrd(crd: KubeObject): ResourceType | undefined {
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec?.group || !spec.names?.kind || !spec.names.plural || !Array.isArray(spec.versions)) return undefined;
  const served = spec.versions.filter((v) => v.served !== false);
  if (served.length === 0) return undefined;
  // Discovery lists the storage version first as the preferred one when nothing else orders them.
  const ordered = [...served].sort((a, b) => Number(Boolean(b.storage)) - Number(Boolean(a.storage)));
  const columns = ordered[0]!.additionalPrinterColumns;
  return {
    group: spec.group,
    versions: ordered.map((v) => v.name),
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    verbs: ALL_VERBS,
    subresources: ordered[0]!.subresources?.status ? ['status'] : [],
    ...(columns ? { columns } : {}),
    builtIn: false,
  };
}

/** The types a cluster serves now: the built-ins plus one per established CRD. */
export function typesOf(objects: readonly KubeObject[]): ResourceType[] {
  const out = [...BUILT_IN];
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    const t = typeFromCrd(o);
    if (t && !out.some((x) => x.group === t.group && x.plural === t.plural)) out.push(t);
  }
  return out;
}

export const groupVersion = (group: string, version: string): string => (group ? `${group}/${version}` : version);
