import type { ToolError } from '../../tool-result.js';
import { pyIso } from '../../world/ids.js';
import { prepareCertificateKeys } from '../../tls.js';
import type { ArmResource } from '../../world/model.js';
import { deleteResource, flatten, listByType, putResource, resourceId } from '../../world/resources.js';
import { bool, list, str } from '../args.js';
import { createdBy, parseTags, requireRg } from '../common.js';
import { armError, cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { certificateKeysInUse, certificateKeysWanted, vaultData } from './data-plane.js';
import { findVaultGlobal, requireVault, vaultUri, vaultView } from './vault-resource.js';

/** The vault's own lifecycle on the management plane: create, show, list, delete (soft), purge, recover. */

/** Every permission: what `az keyvault create` grants its caller on a vault that uses access policies. */
const ALL_PERMS = {
  keys: [
    'Get',
    'List',
    'Update',
    'Create',
    'Import',
    'Delete',
    'Recover',
    'Backup',
    'Restore',
    'GetRotationPolicy',
    'SetRotationPolicy',
    'Rotate',
  ],
  secrets: ['Get', 'List', 'Set', 'Delete', 'Recover', 'Backup', 'Restore'],
  certificates: [
    'Get',
    'List',
    'Update',
    'Create',
    'Import',
    'Delete',
    'Recover',
    'Backup',
    'Restore',
    'ManageContacts',
    'ManageIssuers',
    'GetIssuers',
    'ListIssuers',
    'SetIssuers',
    'DeleteIssuers',
  ],
  storage: ['all'],
};

export const vaultCommands: AzCommand[] = [
  {
    path: 'keyvault create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--location -l' },
      { names: '--enable-rbac-authorization', kind: 'bool' },
      { names: '--sku' },
      { names: '--tags', kind: 'list' },
      { names: '--retention-days' },
      { names: '--enable-purge-protection', kind: 'bool' },
      { names: '--public-network-access' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const name = str(a, 'name')!;
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const deleted = ctx.world.deletedVaults[name.toLowerCase()];
      if (deleted) {
        if (deleted.subscriptionId === ctx.sub.id) {
          throw armError(
            'ConflictError',
            'A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.',
          );
        }
        throw vaultNameInUse(name);
      }
      const other = findVaultGlobal(ctx, name);
      if (other && other.id.toLowerCase() !== resourceId(ctx.sub.id, rg.name, 'Microsoft.KeyVault', 'vaults', name).toLowerCase())
        throw vaultNameInUse(name);
      await ctx.clock.sleep(ctx.latency.ms('vaultCreate'));
      const now = ctx.now();
      // CLI >= 2.61 defaults --enable-rbac-authorization to true (Azure/azure-cli#29268). The
      // create is an ARM PUT: re-running it on an existing vault replaces its access policies
      // with the caller's (Azure/azure-cli#7608, #13212).
      const rbac = bool(a, 'enableRbacAuthorization') ?? true;
      const res: ArmResource = {
        id: other?.id ?? resourceId(ctx.sub.id, rg.name, 'Microsoft.KeyVault', 'vaults', name),
        name: other?.name ?? name,
        type: 'Microsoft.KeyVault/vaults',
        location: str(a, 'location') ?? rg.location ?? 'eastus',
        tags: parseTags(list(a, 'tags')),
        properties: {
          accessPolicies: rbac
            ? []
            : [{ applicationId: null, objectId: ctx.caller.objectId, permissions: ALL_PERMS, tenantId: ctx.world.tenant.id }],
          createMode: null,
          enablePurgeProtection: bool(a, 'enablePurgeProtection') ?? null,
          enableRbacAuthorization: rbac,
          enableSoftDelete: true,
          enabledForDeployment: false,
          enabledForDiskEncryption: null,
          enabledForTemplateDeployment: null,
          hsmPoolResourceId: null,
          networkAcls: null,
          privateEndpointConnections: null,
          provisioningState: 'Succeeded',
          publicNetworkAccess: str(a, 'publicNetworkAccess') ?? 'Enabled',
          sku: { family: 'A', name: str(a, 'sku') ?? 'standard' },
          softDeleteRetentionInDays: Number(str(a, 'retentionDays') ?? 90),
          tenantId: ctx.world.tenant.id,
          vaultUri: vaultUri(name),
        },
        systemData: createdBy(ctx, now),
        meta: { createdAt: other?.meta?.createdAt ?? now },
      };
      putResource(ctx.world, res);
      vaultData(ctx, name);
      ctx.markDirty();
      prepareCertificateKeys(certificateKeysWanted(ctx.world), certificateKeysInUse(ctx.world));
      return vaultView(res);
    },
  },
  {
    path: 'keyvault show',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--hsm-name' }],
    run: (ctx, a) => vaultView(requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'))),
  },
  {
    path: 'keyvault list',
    args: [{ names: '--resource-group -g' }, { names: '--resource-type' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      if (rg) requireRg(ctx, rg);
      return listByType(ctx.world, 'Microsoft.KeyVault/vaults', ctx.sub.id)
        .filter((v) => !rg || v.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`))
        .map((v) => ({
          id: v.id,
          location: v.location,
          name: v.name,
          resourceGroup: flatten(v).resourceGroup,
          tags: v.tags,
          type: v.type,
        }));
    },
  },
  {
    path: 'keyvault list-deleted',
    args: [{ names: '--resource-type' }],
    run: (ctx) =>
      Object.values(ctx.world.deletedVaults)
        .filter((d) => d.subscriptionId === ctx.sub.id)
        .map((d) => ({
          id: `/subscriptions/${d.subscriptionId}/providers/Microsoft.KeyVault/locations/${d.location}/deletedVaults/${d.name}`,
          name: d.name,
          properties: {
            deletionDate: pyIso(d.deletedAt),
            location: d.location,
            purgeProtectionEnabled: null,
            scheduledPurgeDate: pyIso(d.deletedAt + 90 * 86400_000),
            tags: d.tags,
            vaultId: d.vaultId,
          },
          type: 'Microsoft.KeyVault/deletedVaults',
        })),
  },
  {
    path: 'keyvault delete',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--no-wait', kind: 'flag' }],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      ctx.stderrRaw(
        'Warning! If you have soft-delete protection enabled on this key vault, you will not be able to reuse this key vault name until the key vault has been purged from the soft deleted state. Please see the following documentation for additional guidance.\nhttps://learn.microsoft.com/azure/key-vault/general/soft-delete-overview\n',
      );
      ctx.world.deletedVaults[v.name.toLowerCase()] = {
        name: v.name,
        subscriptionId: ctx.sub.id,
        location: v.location ?? 'eastus',
        vaultId: v.id,
        deletedAt: ctx.now(),
        tags: v.tags ?? {},
      };
      deleteResource(ctx.world, v.id);
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'keyvault purge',
    args: [{ names: '--name -n', required: true }, { names: '--location -l' }, { names: '--no-wait', kind: 'flag' }],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      const d = ctx.world.deletedVaults[name.toLowerCase()];
      if (!d || d.subscriptionId !== ctx.sub.id) throw cliError(`No deleted Vault or HSM was found with name ${name}`);
      delete ctx.world.deletedVaults[name.toLowerCase()];
      delete ctx.world.vaults[name.toLowerCase()];
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'keyvault recover',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--location -l' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      const d = ctx.world.deletedVaults[name.toLowerCase()];
      if (!d || d.subscriptionId !== ctx.sub.id) throw cliError(`No deleted Vault or HSM was found with name ${name}`);
      throw cliError(`Recovering vault '${d.name}' is not supported by the sandbox; purge it instead (az keyvault purge -n ${d.name}).`);
    },
  },
];

function vaultNameInUse(name: string): ToolError {
  return armError(
    'VaultAlreadyExists',
    `The vault name '${name}' is already in use. Vault names are globaly unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
  );
}
