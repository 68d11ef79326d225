import type { ArmResource } from '../world/model.js';

/**
 * ARM answers each resource type only in the API versions its provider registered, and serves
 * a resource in the shape of the version asked for. The lists are the sandbox's: the versions
 * the runbook, the SDKs and az use, plus their neighbours; they are not the providers' full
 * lists. An unknown version gets ARM's 400 InvalidApiVersionParameter.
 */
const RESOURCES = [
  '2025-04-01',
  '2024-11-01',
  '2024-07-01',
  '2024-03-01',
  '2023-07-01',
  '2022-09-01',
  '2021-04-01',
  '2021-01-01',
  '2020-06-01',
  '2019-10-01',
];
const KEY_VAULT = [
  '2024-12-01-preview',
  '2024-11-01',
  '2024-04-01-preview',
  '2023-07-01',
  '2023-02-01',
  '2022-07-01',
  '2021-10-01',
  '2019-09-01',
];
const IDENTITY = ['2024-11-30', '2023-07-31-preview', '2023-01-31', '2022-01-31-preview', '2021-09-30-preview', '2018-11-30'];
const AKS_STABLE = [
  '2025-10-01',
  '2025-09-01',
  '2025-08-01',
  '2025-07-01',
  '2025-06-01',
  '2025-05-01',
  '2025-04-01',
  '2025-03-01',
  '2025-02-01',
  '2025-01-01',
  '2024-10-01',
  '2024-09-01',
  '2024-08-01',
  '2024-07-01',
  '2024-06-01',
  '2024-05-01',
  '2024-02-01',
  '2024-01-01',
  '2023-11-01',
  '2023-10-01',
];
/** 2023-06-02-preview is what the built-in AKS_ImageIntegrity_DINE policy deploys with. */
const AKS_PREVIEW = [
  '2025-10-02-preview',
  '2025-09-02-preview',
  '2025-08-02-preview',
  '2025-07-02-preview',
  '2025-06-02-preview',
  '2025-05-02-preview',
  '2025-04-02-preview',
  '2025-03-02-preview',
  '2025-02-02-preview',
  '2025-01-02-preview',
  '2024-10-02-preview',
  '2024-09-02-preview',
  '2024-07-02-preview',
  '2024-06-02-preview',
  '2024-05-02-preview',
  '2024-04-02-preview',
  '2024-03-02-preview',
  '2024-02-02-preview',
  '2024-01-02-preview',
  '2023-11-02-preview',
  '2023-10-02-preview',
  '2023-09-02-preview',
  '2023-08-02-preview',
  '2023-07-02-preview',
  '2023-06-02-preview',
];

const VERSIONS: Readonly<Record<string, readonly string[]>> = {
  subscriptions: RESOURCES,
  'microsoft.resources/resourcegroups': RESOURCES,
  'microsoft.resources/resources': RESOURCES,
  'microsoft.containerservice/managedclusters': [...AKS_STABLE, ...AKS_PREVIEW],
  'microsoft.containerregistry/registries': [
    '2025-04-01',
    '2024-11-01-preview',
    '2023-11-01-preview',
    '2023-07-01',
    '2023-01-01-preview',
    '2022-12-01',
    '2021-09-01',
    '2019-05-01',
  ],
  'microsoft.keyvault/vaults': KEY_VAULT,
  'microsoft.keyvault/deletedvaults': KEY_VAULT,
  'microsoft.keyvault/locations/deletedvaults': KEY_VAULT,
  'microsoft.managedidentity/userassignedidentities': IDENTITY,
  'microsoft.managedidentity/userassignedidentities/federatedidentitycredentials': IDENTITY,
  'microsoft.authorization/policydefinitions': [
    '2025-03-01',
    '2025-01-01',
    '2024-05-01',
    '2023-04-01',
    '2021-06-01',
    '2020-09-01',
    '2019-09-01',
  ],
  'microsoft.authorization/policyassignments': [
    '2025-03-01',
    '2025-01-01',
    '2024-05-01',
    '2024-04-01',
    '2023-04-01',
    '2022-06-01',
    '2021-06-01',
    '2020-09-01',
    '2019-09-01',
  ],
  'microsoft.authorization/roleassignments': ['2022-04-01', '2020-10-01-preview', '2020-04-01-preview', '2018-09-01-preview', '2015-07-01'],
};

/** Properties a resource type has only in its preview API versions (dotted paths under properties). */
const PREVIEW_ONLY: Readonly<Record<string, readonly string[]>> = {
  'microsoft.containerservice/managedclusters': ['securityProfile.imageIntegrity'],
};

/** The error ARM returns for a version the type does not have, or undefined when it has it (or the type is not listed). */
export function unsupportedApiVersion(type: string, apiVersion: string): { code: string; message: string } | undefined {
  const known = VERSIONS[type.toLowerCase()];
  if (!known || known.includes(apiVersion)) return undefined;
  return {
    code: 'InvalidApiVersionParameter',
    message: `The api-version '${apiVersion}' is invalid. The supported versions are '${known.join(',')}'.`,
  };
}

export const isPreviewVersion = (apiVersion: string): boolean => apiVersion.endsWith('-preview');

/** The resource as a stable API version returns it: without its preview-only properties. */
export function stableView(resource: ArmResource): ArmResource {
  const paths = PREVIEW_ONLY[resource.type.toLowerCase()];
  if (!paths) return resource;
  const copy = JSON.parse(JSON.stringify(resource)) as ArmResource;
  for (const path of paths) {
    const keys = path.split('.');
    let node: Record<string, unknown> | undefined = copy.properties;
    for (const key of keys.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    if (node) delete node[keys[keys.length - 1]!];
  }
  return copy;
}

/** The resource in the shape of `apiVersion`. */
export function versionedView(resource: ArmResource, apiVersion: string): ArmResource {
  return isPreviewVersion(apiVersion) ? resource : stableView(resource);
}
