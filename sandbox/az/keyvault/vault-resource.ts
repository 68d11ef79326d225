import type { ArmResource } from '../../world/model.js';
import { flatten, listByType } from '../../world/resources.js';
import { requireRg } from '../common.js';
import type { AzCtx } from '../context.js';
import { cliError, resourceNotFound } from '../errors.js';

/** The vault as an ARM resource: its lookups, its DNS URI and its management-plane view (shared by every vault verb group). */

export const vaultUri = (name: string): string => `https://${name.toLowerCase()}.vault.azure.net/`;

export function findVault(ctx: AzCtx, name: string, rg?: string): ArmResource | undefined {
  return listByType(ctx.world, 'Microsoft.KeyVault/vaults', ctx.sub.id).find(
    (v) =>
      v.name.toLowerCase() === name.toLowerCase() &&
      (rg === undefined || v.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`)),
  );
}

/** Any subscription: vault names are global and the data plane finds a vault by DNS name. */
export function findVaultGlobal(ctx: { world: AzCtx['world'] }, name: string): ArmResource | undefined {
  return listByType(ctx.world, 'Microsoft.KeyVault/vaults').find((v) => v.name.toLowerCase() === name.toLowerCase());
}

/** Management-plane lookup: `-g` given -> 404 (exit 3); no `-g` -> the validator's CLIError (exit 1). */
export function requireVault(ctx: AzCtx, name: string | undefined, rg: string | undefined): ArmResource {
  if (!name) throw cliError(`The HSM 'None' not found within subscription.`);
  const v = findVault(ctx, name, rg);
  if (v) return v;
  if (rg) {
    requireRg(ctx, rg);
    throw resourceNotFound('Microsoft.KeyVault/vaults', name, rg);
  }
  throw cliError(`The Vault '${name}' not found within subscription.`);
}

export const vaultView = (v: ArmResource): Record<string, unknown> => flatten(v, { keepProperties: true });
