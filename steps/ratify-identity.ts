import { defineStep, type ArmResource, type ShownCommand, type StepContext } from '../runner/step.js';
import {
  accessPolicyGranted,
  accessPolicyOf,
  assignedRoles,
  grantAccessPolicy,
  grantRole,
  missingPermissions,
  roleAssigned,
  type Permissions,
} from './_shared/access.js';
import type { ShellTest } from '../runner/command-types.js';
import { az, locationArgs, subscriptionOf, tagArgs } from './_shared/az.js';
import { apiVersions, identityId } from './_shared/ids.js';
import { stringProp } from './_shared/json.js';
import { authorizationFailed, ficMismatch, setPolicyOnRbacVault } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { removeCreated } from './_shared/teardown.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { registryIdByName } from './_shared/registry.js';
import { ficMatchesTest, ficState, putFic, type Fic } from './ratify-identity/federated.js';
import { armGuard } from './_shared/write-ahead.js';
import { allSettled } from './_shared/all-settled.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'location' | 'identityName' | 'acrName' | 'keyVaultName' | 'keyVaultAuth'>;

/** Ratify reads the certificate through its *secret* (the chain): data-plane secret read, never "Key Vault Reader" (control plane only). */
const KV_ROLE = 'Key Vault Secrets User';
const KV_PERMISSIONS: Permissions = { secrets: ['get'] };

function plan(ctx: Ctx) {
  const sub = subscriptionOf(ctx);
  const { resourceGroup: rg, identityName } = ctx.answers;
  const fic: Fic = { sub, identityName, resourceGroup: rg, issuer: ctx.output('cluster-prereqs', 'oidcIssuer') };
  return {
    sub,
    rg,
    identityName,
    fic,
    id: identityId(sub, rg, identityName),
    rbac: ctx.answers.keyVaultAuth !== 'access-policy',
    keyVaultId: ctx.output('key-vault', 'keyVaultId'),
  };
}

function showIdentity(ctx: Ctx, p: ReturnType<typeof plan>, shows?: ShownCommand[]): Promise<ArmResource | undefined> {
  return ctx.azure.getById(p.id, apiVersions.identity, {
    shows: shows ?? [{ argv: az(p.sub, 'identity', 'show', '-n', p.identityName, '-g', p.rg, '-o', 'none'), probe: true }],
  });
}

/** What the script checks while it waits for the grants and the credential to read back. */
function grantsVisible(p: ReturnType<typeof plan>, objectId: string, registry: string, vault: string): ShellTest[] {
  const kv = p.rbac
    ? roleAssigned(p.sub, { objectId, role: KV_ROLE, scope: p.keyVaultId })
    : accessPolicyGranted(p.sub, vault, p.rg, objectId, KV_PERMISSIONS);
  return [roleAssigned(p.sub, { objectId, role: 'AcrPull', scope: registry }), kv, ficMatchesTest(p.fic)];
}

/** Which grants are missing: AcrPull on the registry, secret read on the vault. */
async function missingGrants(ctx: Ctx, p: ReturnType<typeof plan>, objectId: string, registry: string) {
  const [acrRoles, keyVault] = await Promise.all([
    assignedRoles(ctx, p.sub, objectId, registry),
    p.rbac
      ? assignedRoles(ctx, p.sub, objectId, p.keyVaultId).then((roles) => !roles.has(KV_ROLE))
      : accessPolicyOf(ctx, p.sub, ctx.answers.keyVaultName, p.rg, objectId).then(
          (current) => missingPermissions(current, KV_PERMISSIONS) !== undefined,
        ),
  ]);
  return { acrPull: !acrRoles.has('AcrPull'), keyVault };
}

export const ratifyIdentity = defineStep({
  id: 'ratify-identity',
  title: "Create Ratify's workload identity",
  explain: `
Blog step 7, fixed. Ratify pulls signatures from ACR and the certificate from Key Vault as a
**user-assigned managed identity** through AKS workload identity:
- \`az identity create\` without the blog's [undefined](docs/errata.md#undefined-location)
  \`\${LOCATION}\`: the location answer, or the resource group's.
- **AcrPull** on the registry and, on the vault, **Key Vault Secrets User** (RBAC) or
  \`--secret-permissions get\` (access policy); role assignments name
  [\`--assignee-principal-type ServicePrincipal\`](docs/errata.md#assignee-principal-type).
- A **federated credential** for \`system:serviceaccount:gatekeeper-system:ratify-admin\`, audience
  \`api://AzureADTokenExchange\`, on the cluster's current OIDC issuer.
- [Waits until the grants are visible](docs/errata.md#identity-propagation); ratify-install
  re-applies the key management provider if they were late.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'location', 'identityName', 'acrName', 'keyVaultName', 'keyVaultAuth'],
  after: ['preflight', 'key-vault', 'cluster-prereqs'],
  produces: ['identityClientId', 'identityObjectId'],
  async check(ctx) {
    const p = plan(ctx);
    const identity = await readForRun(ctx, 'identity', () => showIdentity(ctx, p));
    const clientId = stringProp(identity?.properties, 'clientId');
    const objectId = stringProp(identity?.properties, 'principalId');
    if (!clientId || !objectId) return undefined;
    const [missing, fic] = await Promise.all([
      registryIdByName(ctx, p.sub, ctx.answers.acrName, p.rg).then((registry) => missingGrants(ctx, p, objectId, registry)),
      ficState(ctx, p.fic),
    ]);
    return !missing.acrPull && !missing.keyVault && fic.matches ? { identityClientId: clientId, identityObjectId: objectId } : undefined;
  },
  async run(ctx) {
    const p = plan(ctx);
    if (!(await readFromCheck(ctx, 'identity', () => showIdentity(ctx, p)))) {
      const identity = { kind: 'identity', id: p.id, details: { subscription: p.sub, name: p.identityName, resourceGroup: p.rg } };
      await ctx.willCreate({ ...identity, guard: armGuard(p.id, apiVersions.identity, 'tag') });
      const create = az(
        p.sub,
        'identity',
        'create',
        '-n',
        p.identityName,
        '-g',
        p.rg,
        ...locationArgs(ctx.answers.location),
        ...tagArgs(ctx.runTag),
        '-o',
        'none',
      );
      await ctx.cmd.run(create, {
        mutates: true,
        retry: transientRetry,
        guardedBy: az(p.sub, 'identity', 'show', '-n', p.identityName, '-g', p.rg, '-o', 'none'),
      });
      await ctx.created(identity);
    }
    // One ARM GET, shown as the two reads a person would type for the ids it yields.
    const show = (query: string, capture: string) => ({
      argv: az(p.sub, 'identity', 'show', '-n', p.identityName, '-g', p.rg, '--query', query, '-o', 'tsv'),
      capture,
    });
    const identity = await showIdentity(ctx, p, [show('clientId', 'identityClientId'), show('principalId', 'identityObjectId')]);
    const identityClientId =
      ctx.mode === 'plan' ? '<ratify-identity.identityClientId>' : (stringProp(identity?.properties, 'clientId') ?? '');
    const identityObjectId =
      ctx.mode === 'plan' ? '<ratify-identity.identityObjectId>' : (stringProp(identity?.properties, 'principalId') ?? '');
    if (!identityClientId || !identityObjectId)
      throw new Error(`Managed identity ${p.identityName} was created but ARM does not return its ids yet: run again in a minute.`);

    const [registry, fic] = await Promise.all([registryIdByName(ctx, p.sub, ctx.answers.acrName, p.rg), ficState(ctx, p.fic)]);
    const missing = await missingGrants(ctx, p, identityObjectId, registry);
    const grant = { objectId: identityObjectId, principalType: 'ServicePrincipal' };
    // The three are independent (each on its own resource): made together, as the seconds each
    // takes on Azure would add up otherwise. Each is recorded before it starts (write-ahead).
    await allSettled([
      missing.acrPull && grantRole(ctx, p.sub, { ...grant, role: 'AcrPull', scope: registry }),
      missing.keyVault &&
        (p.rbac
          ? grantRole(ctx, p.sub, { ...grant, role: KV_ROLE, scope: p.keyVaultId })
          : grantAccessPolicy(ctx, p.sub, ctx.answers.keyVaultName, p.rg, identityObjectId, KV_PERMISSIONS)),
      !fic.matches && putFic(ctx, p.fic, fic.exists),
    ]);

    if (missing.acrPull || missing.keyVault || !fic.matches) {
      // No fixed sleep (docs/errata.md#identity-propagation): poll until the new grants and the credential read back.
      await ctx.waitFor(
        'the role assignments and federated credential to propagate',
        async () => {
          const [again, now] = await Promise.all([missingGrants(ctx, p, identityObjectId, registry), ficState(ctx, p.fic)]);
          return now.planned || (!again.acrPull && !again.keyVault && now.matches) ? true : undefined;
        },
        { timeoutMs: 10 * 60_000, intervalMs: 5_000, until: grantsVisible(p, identityObjectId, registry, ctx.answers.keyVaultName) },
      );
    }
    return { identityClientId, identityObjectId };
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [setPolicyOnRbacVault, authorizationFailed, ficMismatch],
});
