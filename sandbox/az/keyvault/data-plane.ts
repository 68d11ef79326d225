import { publicKeysOf } from '../../key-pool.js';
import { ToolError } from '../../tool-result.js';
import type { ArmResource, Certificate, CertVersion, VaultData, World } from '../../world/model.js';
import { listByType } from '../../world/resources.js';
import { vaultAllows, type Perm } from '../../world/rbac.js';
import type { AzCtx } from '../context.js';
import { armError } from '../errors.js';
import { findVaultGlobal } from './vault-resource.js';

/** The Key Vault data plane: reaching a vault by DNS name, its authorization answers, and the certificate store behind it. */

function kvError(code: string, message: string, inner: string): ToolError {
  return armError(code, message, { inner });
}

/** What the Key Vault data plane answers a caller without the permission (RBAC or policy). */
export function kvForbidden(ctx: AzCtx, vault: ArmResource, perm: Perm, objectPath: string): ToolError {
  const props = vault.properties as { enableRbacAuthorization?: boolean };
  const [kind, op] = perm.split('/') as [string, string];
  const caller = `appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${ctx.caller.objectId};iss=https://sts.windows.net/${ctx.world.tenant.id}/`;
  if (props.enableRbacAuthorization) {
    const action =
      perm === 'keys/sign'
        ? 'Microsoft.KeyVault/vaults/keys/sign/action'
        : perm === 'secrets/get'
          ? 'Microsoft.KeyVault/vaults/secrets/getSecret/action'
          : `Microsoft.KeyVault/vaults/${kind}/${op === 'get' ? 'read' : op + '/action'}`;
    const msg =
      `Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\n` +
      `Caller: ${caller}\nAction: '${action}'\nResource: '${vault.id.toLowerCase()}/${objectPath}'\nAssignment: (not found)\nDenyAssignmentId: null\nDecisionReason: null \nVault: ${vault.name};location=${vault.location}\n`;
    return kvError('Forbidden', msg, 'ForbiddenByRbac');
  }
  return kvError(
    'Forbidden',
    `The user, group or application '${caller}' does not have ${kind} ${op} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    'AccessDenied',
  );
}

/** Data-plane vault lookup by name (DNS): a missing vault is a name-resolution failure. */
export function dataPlaneVault(ctx: AzCtx, name: string, path: string): ArmResource {
  const v = findVaultGlobal(ctx, name);
  if (!v) {
    throw new ToolError(
      `ERROR: HTTPSConnectionPool(host='${name.toLowerCase()}.vault.azure.net', port=443): Max retries exceeded with url: /${path}?api-version=7.4 (Caused by NameResolutionError("<urllib3.connection.HTTPSConnection object>: Failed to resolve '${name.toLowerCase()}.vault.azure.net' ([Errno -2] Name or service not known)"))\n`,
      1,
    );
  }
  return v;
}

/** Throws Key Vault's Forbidden answer when neither the caller's roles nor an access policy grant `perm`. */
export function authorize(ctx: AzCtx, vault: ArmResource, perm: Perm, objectPath: string): void {
  if (!vaultAllows(ctx.world, vault, ctx.caller.objectId, perm, ctx.now(), ctx.latency.ms('rbacPropagation')))
    throw kvForbidden(ctx, vault, perm, objectPath);
}

export const vaultData = (ctx: { world: AzCtx['world'] }, name: string): VaultData =>
  (ctx.world.vaults[name.toLowerCase()] ??= { certificates: {} });

export const latestVersion = (c: Certificate): CertVersion | undefined => c.versions[c.versions.length - 1];

/**
 * How many certificate keys the world is about to ask for (tls.ts makes them ahead): one per
 * vault without a live certificate, and one for a world without any vault, where a run is about
 * to create its first.
 */
export function certificateKeysWanted(world: World): number {
  const vaults = listByType(world, 'Microsoft.KeyVault/vaults');
  if (vaults.length === 0) return 1;
  const live = (c: Certificate): boolean => c.deletedAt === undefined && c.versions.length > 0;
  return vaults.filter((v) => !Object.values(world.vaults[v.name.toLowerCase()]?.certificates ?? {}).some(live)).length;
}

/** The public keys of every certificate version the world holds (deleted ones too): a new certificate gets another. */
export function certificateKeysInUse(world: World): Set<string> {
  return publicKeysOf(
    Object.values(world.vaults).flatMap((v) => Object.values(v.certificates).flatMap((c) => c.versions.map((x) => x.cer))),
  );
}
