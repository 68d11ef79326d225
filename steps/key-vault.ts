import { defineStep, type ArmResource, type StepContext } from '../runner/step.js';
import { az, locationArgs, subscriptionOf, tagArgs } from './_shared/az.js';
import { apiVersions, vaultId } from './_shared/ids.js';
import { prop } from './_shared/json.js';
import { vaultNameReserved } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { removeCreated } from './_shared/teardown.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { armGuard } from './_shared/write-ahead.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'location' | 'keyVaultName' | 'keyVaultAuth'>;

const wantsRbac = (ctx: Ctx) => ctx.answers.keyVaultAuth !== 'access-policy';

/** A vault in the other access model would make signer-access and ratify-identity fail: say which answer to change. */
function assertAccessModel(ctx: Ctx, vault: ArmResource): void {
  const rbac = prop(vault.properties, 'enableRbacAuthorization') === true;
  if (rbac !== wantsRbac(ctx)) {
    throw new Error(
      `Key Vault ${ctx.answers.keyVaultName} already exists and uses ${rbac ? 'Azure RBAC' : 'access policies'}, but keyVaultAuth is ${ctx.answers.keyVaultAuth}. ` +
        `Set keyVaultAuth: ${rbac ? 'rbac' : 'access-policy'} (or choose another keyVaultName).`,
    );
  }
}

/** A deleted, unpurged vault keeps its (global) name: offer to purge it, else stop with the choice. */
async function releaseDeletedName(ctx: Ctx, sub: string): Promise<void> {
  const name = ctx.answers.keyVaultName;
  const deleted = await ctx.azure.list(`/subscriptions/${sub}/providers/Microsoft.KeyVault/deletedVaults`, apiVersions.vault, {
    shows: az(sub, 'keyvault', 'list-deleted', '--resource-type', 'vault', '--query', `[?name=='${name}'].name`, '-o', 'tsv'),
  });
  if (!deleted.some((v) => v.name?.toLowerCase() === name.toLowerCase())) return;
  const purge = await ctx.confirm(
    `A deleted Key Vault named ${name} still reserves the name. Purge it (its keys and certificates are lost for good)?`,
    false,
  );
  if (!purge) {
    throw new Error(
      `The vault name '${name}' is in use by a deleted vault that was not purged. Either purge it (\`az keyvault purge -n ${name}\`), ` +
        `recover it (\`az keyvault recover -n ${name}\`, then run again), or choose another keyVaultName.`,
    );
  }
  await ctx.cmd.run(az(sub, 'keyvault', 'purge', '-n', name), { mutates: true, retry: transientRetry });
}

export const keyVault = defineStep({
  id: 'key-vault',
  title: 'Create the Key Vault',
  explain: `
Blog step 2, hardened. The vault holds the signing certificate. Two corrections:
- **Show before create.** \`az keyvault create\` on an existing vault
  [is not idempotent](docs/errata.md#key-vault-create-not-idempotent): it resets the access
  policies. The vault is looked up first and never created twice.
- **Choose the access model explicitly**: Azure CLI >= 2.61
  [creates RBAC vaults](docs/errata.md#key-vault-access-model), where the blog's \`set-policy\`
  fails. \`keyVaultAuth\` (\`rbac\` or \`access-policy\`) becomes
  \`--enable-rbac-authorization true|false\`, and decides how signer-access and
  ratify-identity grant access.

A deleted vault that still holds the name is reported with the purge/recover choice.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'location', 'keyVaultName', 'keyVaultAuth'],
  after: ['preflight'],
  produces: ['vaultUri', 'keyVaultId', 'keyVaultRbac'],
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const vault = await readForRun(ctx, 'vault', () => showVault(ctx, sub));
    if (!vault) return undefined;
    assertAccessModel(ctx, vault);
    const uri = prop(vault.properties, 'vaultUri');
    if (typeof uri !== 'string' || !uri) return undefined;
    return {
      vaultUri: withSlash(uri),
      keyVaultId: vault.id ?? vaultId(sub, ctx.answers.resourceGroup, ctx.answers.keyVaultName),
      keyVaultRbac: String(wantsRbac(ctx)),
    };
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { resourceGroup: rg, keyVaultName: name } = ctx.answers;
    const id = vaultId(sub, rg, name);
    const existing = await readFromCheck(ctx, 'vault', () => showVault(ctx, sub));
    if (existing) assertAccessModel(ctx, existing);
    else {
      await releaseDeletedName(ctx, sub);
      const create = az(
        sub,
        'keyvault',
        'create',
        '-n',
        name,
        '-g',
        rg,
        ...locationArgs(ctx.answers.location),
        '--enable-rbac-authorization',
        String(wantsRbac(ctx)),
        ...tagArgs(ctx.runTag),
        '-o',
        'none',
      );
      const vault = { kind: 'keyVault', id, details: { subscription: sub, name, resourceGroup: rg } };
      await ctx.willCreate({ ...vault, guard: armGuard(id, apiVersions.vault, 'tag') });
      const guardedBy = az(sub, 'keyvault', 'show', '-n', name, '-g', rg, '-o', 'none');
      await ctx.cmd.run(create, { mutates: true, guardedBy, retry: transientRetry });
      await ctx.created(vault);
    }
    // One ARM GET, shown as the two reads a person would type for the values it yields.
    const show = (query: string, capture: string) => ({
      argv: az(sub, 'keyvault', 'show', '-n', name, '-g', rg, '--query', query, '-o', 'tsv'),
      capture,
    });
    const vault = await ctx.azure.getById(id, apiVersions.vault, {
      shows: [show('properties.vaultUri', 'vaultUri'), show('id', 'keyVaultId')],
    });
    // A plan knows both from the answers: the vault's id and its DNS name in the public cloud.
    if (ctx.mode === 'plan') return { vaultUri: `https://${name}.vault.azure.net/`, keyVaultId: id, keyVaultRbac: String(wantsRbac(ctx)) };
    const uri = prop(vault?.properties, 'vaultUri');
    if (!vault || typeof uri !== 'string' || !uri)
      throw new Error(`Key Vault ${name} was created but ARM does not return it (or its URI) yet: run again in a minute.`);
    return { vaultUri: withSlash(uri), keyVaultId: vault.id ?? id, keyVaultRbac: String(wantsRbac(ctx)) };
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [vaultNameReserved],
});

function showVault(ctx: Ctx, sub: string): Promise<ArmResource | undefined> {
  const { resourceGroup: rg, keyVaultName: name } = ctx.answers;
  return ctx.azure.getById(vaultId(sub, rg, name), apiVersions.vault, {
    shows: [{ argv: az(sub, 'keyvault', 'show', '-n', name, '-g', rg, '-o', 'none'), probe: true }],
  });
}

/** The URI has its trailing slash once DNS registration is done; Ratify wants the final form. */
function withSlash(uri: string): string {
  return uri.startsWith('https://') && !uri.endsWith('/') ? `${uri}/` : uri;
}
