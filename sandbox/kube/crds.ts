import { makeObject } from './objects.js';
import type { KubeObject } from '../world/model.js';

/**
 * The CustomResourceDefinitions the simulated clusters hold, as the real projects ship them
 * (names, scope, served versions and printer columns): what API discovery, `kubectl get` and
 * the official clients see.
 */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date' | 'number';
  jsonPath: string;
  priority?: number;
}

export interface CrdShape {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  scope: 'Cluster' | 'Namespaced';
  /** The first is the storage version. */
  versions: string[];
  shortNames?: string[];
  categories?: string[];
  columns?: PrinterColumn[];
}

const RATIFY_GROUP = 'config.ratify.deislabs.io';
const statusColumns = (fetched: boolean): PrinterColumn[] => [
  { name: 'IsSuccess', type: 'boolean', jsonPath: '.status.issuccess' },
  { name: 'Error', type: 'string', jsonPath: '.status.brieferror' },
  ...(fetched ? [{ name: 'LastFetchedTime', type: 'date' as const, jsonPath: '.status.lastfetchedtime' }] : []),
];

const ratify = (kind: string, scope: CrdShape['scope'], fetched = false): CrdShape => ({
  group: RATIFY_GROUP,
  kind,
  plural: `${kind.toLowerCase().replace(/y$/, 'ie')}s`,
  singular: kind.toLowerCase(),
  scope,
  versions: ['v1beta1', 'v1alpha1'],
  columns: statusColumns(fetched),
});

/** Azure Policy's Gatekeeper (the add-on installs these). */
export const GATEKEEPER_CRDS: CrdShape[] = [
  {
    group: 'templates.gatekeeper.sh',
    kind: 'ConstraintTemplate',
    plural: 'constrainttemplates',
    singular: 'constrainttemplate',
    scope: 'Cluster',
    versions: ['v1', 'v1beta1', 'v1alpha1'],
  },
  {
    group: 'externaldata.gatekeeper.sh',
    kind: 'Provider',
    plural: 'providers',
    singular: 'provider',
    scope: 'Cluster',
    versions: ['v1beta1', 'v1alpha1'],
  },
  {
    group: 'mutations.gatekeeper.sh',
    kind: 'Assign',
    plural: 'assign',
    singular: 'assign',
    scope: 'Cluster',
    versions: ['v1', 'v1beta1', 'v1alpha1'],
  },
  { group: 'config.gatekeeper.sh', kind: 'Config', plural: 'configs', singular: 'config', scope: 'Namespaced', versions: ['v1alpha1'] },
];

/** Ratify chart 1.15.0 (app v1.4.0). */
export const RATIFY_CRDS: CrdShape[] = [
  ratify('Store', 'Cluster'),
  ratify('Verifier', 'Cluster'),
  ratify('CertificateStore', 'Namespaced', true),
  ratify('Policy', 'Cluster'),
  ratify('KeyManagementProvider', 'Cluster', true),
  ratify('NamespacedKeyManagementProvider', 'Namespaced', true),
  ratify('NamespacedPolicy', 'Namespaced'),
  ratify('NamespacedStore', 'Namespaced'),
  ratify('NamespacedVerifier', 'Namespaced'),
];

/** The CRD Gatekeeper makes from a ConstraintTemplate: the plural is the lower-case kind. */
export function constraintCrd(kind: string): CrdShape {
  return {
    group: 'constraints.gatekeeper.sh',
    kind,
    plural: kind.toLowerCase(),
    singular: kind.toLowerCase(),
    scope: 'Cluster',
    versions: ['v1beta1', 'v1alpha1', 'v1'],
    categories: ['constraint', 'constraints'],
    columns: [
      { name: 'enforcement-action', type: 'string', jsonPath: '.spec.enforcementAction' },
      { name: 'total-violations', type: 'integer', jsonPath: '.status.totalViolations' },
    ],
  };
}

export const crdName = (s: Pick<CrdShape, 'plural' | 'group'>): string => `${s.plural}.${s.group}`;

export function crdObject(s: CrdShape, now: number, labels?: Record<string, string>): KubeObject {
  return makeObject('CustomResourceDefinition', 'apiextensions.k8s.io/v1', crdName(s), undefined, now, {
    ...(labels ? { labels } : {}),
    spec: {
      group: s.group,
      names: {
        kind: s.kind,
        listKind: `${s.kind}List`,
        plural: s.plural,
        singular: s.singular,
        ...(s.shortNames ? { shortNames: s.shortNames } : {}),
        ...(s.categories ? { categories: s.categories } : {}),
      },
      scope: s.scope,
      versions: s.versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        subresources: { status: {} },
        ...(s.columns ? { additionalPrinterColumns: s.columns } : {}),
      })),
    },
    status: {
      acceptedNames: { kind: s.kind, plural: s.plural },
      conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }],
      storedVersions: [s.versions[0]],
    },
  });
}
