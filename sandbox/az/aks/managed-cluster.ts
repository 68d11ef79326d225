import { stableView } from '../../server/api-versions.js';
import type { ArmResource } from '../../world/model.js';
import { flatten, getResource, resourceId } from '../../world/resources.js';
import { requireRg } from '../common.js';
import type { AzCtx } from '../context.js';
import { resourceNotFound } from '../errors.js';

/** The managed cluster as every aks verb group sees it: the lookup, az's view of it, and the add-on names. */

/**
 * What `az aks show` prints. The core CLI calls a stable API version, where preview-only
 * properties (securityProfile.imageIntegrity) do not exist; the aks-preview extension, when
 * installed, switches the aks commands to its preview API version and they appear.
 */
export function clusterView(r: ArmResource, preview = true): Record<string, unknown> {
  const v = flatten(preview ? r : stableView(r));
  // The ARM field is issuerURL; the CLI prints the SDK attribute name issuerUrl.
  const oidc = v.oidcIssuerProfile as { enabled: boolean; issuerURL?: string } | undefined;
  if (oidc) v.oidcIssuerProfile = { enabled: oidc.enabled, issuerUrl: oidc.issuerURL ?? null };
  const addons = (v.addonProfiles ?? {}) as Record<string, unknown>;
  v.addonProfiles = Object.keys(addons).length ? addons : null;
  const sec = (v.securityProfile ?? {}) as Record<string, unknown>;
  v.securityProfile = { azureKeyVaultKms: null, defender: null, imageCleaner: null, ...sec };
  return v;
}

/** aks-preview installed: the aks commands call its preview API version. */
export const previewApi = (ctx: AzCtx): boolean => Boolean(ctx.world.extensions['aks-preview']);

export function requireCluster(ctx: AzCtx, rg: string, name: string): ArmResource {
  requireRg(ctx, rg);
  const r = getResource(ctx.world, resourceId(ctx.sub.id, rg, 'Microsoft.ContainerService', 'managedClusters', name));
  if (!r) throw resourceNotFound('Microsoft.ContainerService/managedClusters', name, rg);
  return r;
}

/** az's add-on names -> the keys of the cluster's addonProfiles. */
export const ADDON_KEYS: Record<string, string> = {
  'azure-policy': 'azurepolicy',
  monitoring: 'omsagent',
  'azure-keyvault-secrets-provider': 'azureKeyvaultSecretsProvider',
};
