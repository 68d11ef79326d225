import { disableAzurePolicyAddon, disableImageIntegrity, enableAzurePolicyAddon, enableImageIntegrity } from '../../world/cluster.js';
import { guid } from '../../world/ids.js';
import type { ArmResource } from '../../world/model.js';
import { listByType } from '../../world/resources.js';
import { IMAGE_INTEGRITY_INITIATIVE } from '../../world/seed.js';
import { bool, list, str } from '../args.js';
import { parseTags } from '../common.js';
import type { AzCtx } from '../context.js';
import { cliError, usageError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { attachAcr, detachAcr, findAcrByNameOrId } from './acr-pull.js';
import { ADDON_KEYS, clusterView, previewApi, requireCluster } from './managed-cluster.js';

/** Changes to an existing cluster: `aks update` (OIDC, workload identity, Image Integrity, ACR, tags) and the add-on verbs. */

/**
 * The `deploy-trustedimages` initiative is DeployIfNotExists: while it is assigned, the next
 * cluster update re-enables Image Integrity (docs/errata.md#image-integrity-order).
 */
function applyImageIntegrityDine(ctx: AzCtx, cluster: ArmResource): void {
  const covering = listByType(ctx.world, 'Microsoft.Authorization/policyAssignments').some((pa) => {
    const p = pa.properties as { policyDefinitionId?: string; scope?: string };
    return (
      (p.policyDefinitionId ?? '').toLowerCase().endsWith(IMAGE_INTEGRITY_INITIATIVE) &&
      cluster.id.toLowerCase().startsWith(String(p.scope).toLowerCase())
    );
  });
  const sec = cluster.properties.securityProfile as Record<string, unknown>;
  if (covering && !(sec.imageIntegrity as { enabled?: boolean } | undefined)?.enabled) {
    sec.imageIntegrity = { enabled: true };
    enableImageIntegrity(ctx.world, cluster.id, ctx.now());
  }
}

/** What `az aks enable-addons` and `disable-addons` both take. */
const ADDON_ARGS: AzCommand['args'] = [
  { names: '--addons -a', required: true },
  { names: '--name -n', required: true },
  { names: '--resource-group -g', required: true },
  { names: '--no-wait', kind: 'flag' },
];

export const updateCommands: AzCommand[] = [
  {
    path: 'aks update',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--enable-oidc-issuer', kind: 'flag' },
      { names: '--enable-workload-identity', kind: 'flag' },
      { names: '--disable-workload-identity', kind: 'flag' },
      { names: '--attach-acr' },
      { names: '--detach-acr' },
      { names: '--enable-image-integrity', kind: 'flag', dest: 'enableImageIntegrity' },
      { names: '--disable-image-integrity', kind: 'flag', dest: 'disableImageIntegrity' },
      { names: '--tags', kind: 'list' },
      { names: '--no-wait', kind: 'flag' },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      // The image-integrity flags come from the aks-preview extension; without it
      // argparse does not know them.
      if (!ctx.world.extensions['aks-preview']) {
        const bad = ['enableImageIntegrity', 'disableImageIntegrity']
          .filter((k) => bool(a, k))
          .map((k) => (k === 'enableImageIntegrity' ? '--enable-image-integrity' : '--disable-image-integrity'));
        if (bad.length) throw usageError(`unrecognized arguments: ${bad.join(' ')}`);
      }
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const p = c.properties as Record<string, unknown> & {
        oidcIssuerProfile: { enabled: boolean; issuerURL?: string };
        securityProfile: Record<string, unknown>;
      };
      const any =
        ['enableOidcIssuer', 'enableWorkloadIdentity', 'disableWorkloadIdentity', 'enableImageIntegrity', 'disableImageIntegrity'].some(
          (k) => bool(a, k),
        ) ||
        str(a, 'attachAcr') ||
        str(a, 'detachAcr') ||
        list(a, 'tags');
      if (!any)
        throw cliError(
          'Please specify one or more of "--enable-oidc-issuer" or "--enable-workload-identity" or "--disable-workload-identity" or "--attach-acr" or "--detach-acr" or "--tags" or another update option.',
        );
      if (bool(a, 'enableWorkloadIdentity') && !p.oidcIssuerProfile.enabled && !bool(a, 'enableOidcIssuer')) {
        throw cliError('Enabling workload identity requires enabling OIDC issuer (--enable-oidc-issuer).');
      }
      const attach = str(a, 'attachAcr') ? findAcrByNameOrId(ctx, str(a, 'attachAcr')!) : undefined;
      const detach = str(a, 'detachAcr') ? findAcrByNameOrId(ctx, str(a, 'detachAcr')!) : undefined;
      await ctx.clock.sleep(ctx.latency.ms('aksUpdate'));
      if (bool(a, 'enableOidcIssuer') && !p.oidcIssuerProfile.enabled) {
        p.oidcIssuerProfile = {
          enabled: true,
          issuerURL: `https://${c.location}.oic.prod-aks.azure.com/${ctx.world.tenant.id}/${guid()}/`,
        };
      }
      if (bool(a, 'enableWorkloadIdentity')) p.securityProfile.workloadIdentity = { enabled: true };
      if (bool(a, 'disableWorkloadIdentity')) p.securityProfile.workloadIdentity = { enabled: false };
      if (bool(a, 'disableImageIntegrity')) {
        p.securityProfile.imageIntegrity = { enabled: false };
        disableImageIntegrity(ctx.world, c.id, ctx.now() + ctx.latency.ms('imageIntegrityRemoval'));
      }
      if (bool(a, 'enableImageIntegrity')) {
        p.securityProfile.imageIntegrity = { enabled: true };
        enableImageIntegrity(ctx.world, c.id, ctx.now());
      }
      if (attach) attachAcr(ctx, c, attach);
      if (detach) detachAcr(ctx, c, detach);
      if (list(a, 'tags')) c.tags = parseTags(list(a, 'tags'));
      applyImageIntegrityDine(ctx, c);
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks enable-addons',
    args: ADDON_ARGS,
    run: async (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const addons = str(a, 'addons')!.split(',');
      for (const ad of addons) if (!ADDON_KEYS[ad]) throw cliError(`Invalid addon name: ${ad}.`);
      const profiles = (c.properties.addonProfiles ??= {}) as Record<string, { enabled: boolean }>;
      await ctx.clock.sleep(ctx.latency.ms('aksAddon'));
      for (const ad of addons) {
        const key = ADDON_KEYS[ad]!;
        if (!profiles[key]?.enabled) {
          profiles[key] = {
            enabled: true,
            config: null,
            identity: {
              clientId: guid(),
              objectId: guid(),
              resourceId: `/subscriptions/${ctx.sub.id}/resourcegroups/MC_x/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${key}-${c.name}`,
            },
          } as never;
          if (key === 'azurepolicy') enableAzurePolicyAddon(ctx.world, c.id, ctx.now());
        }
      }
      applyImageIntegrityDine(ctx, c);
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks disable-addons',
    args: ADDON_ARGS,
    run: async (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const profiles = (c.properties.addonProfiles ??= {}) as Record<string, { enabled: boolean; config: null }>;
      await ctx.clock.sleep(ctx.latency.ms('aksAddon'));
      for (const ad of str(a, 'addons')!.split(',')) {
        const key = ADDON_KEYS[ad];
        if (!key) throw cliError(`Invalid addon name: ${ad}.`);
        profiles[key] = { enabled: false, config: null };
        if (key === 'azurepolicy') disableAzurePolicyAddon(ctx.world, c.id);
      }
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
];
