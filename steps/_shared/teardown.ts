import type { CommandResult } from '../../runner/command-types.js';
import type { TeardownContext } from '../../runner/step.js';
import type { CreatedResource } from '../../kernel/created-resource.js';
import { az } from './az.js';
import { subscriptionFromId } from './ids.js';
import { isNotFound } from './results.js';
import { transientRetry } from './retry.js';

/**
 * Removes what a step recorded as created, newest first, by the recorded ids and details
 * (never by today's answers). Every removal treats "already gone" as done, so a teardown
 * interrupted half-way can simply run again.
 */
export async function removeCreated(ctx: TeardownContext, resources: readonly CreatedResource[] = ctx.createdBefore): Promise<void> {
  for (const resource of [...resources].reverse()) await removeOne(ctx, resource);
}

function detail(resource: CreatedResource, key: string): string {
  const value = resource.details?.[key];
  if (value === undefined) throw new Error(`The ledger entry for ${resource.kind} ${resource.id} has no "${key}"; remove it by hand.`);
  return value;
}

function subscriptionFor(resource: CreatedResource): string {
  const sub = resource.details?.subscription ?? subscriptionFromId(resource.id);
  if (!sub) throw new Error(`The ledger entry for ${resource.kind} ${resource.id} names no subscription.`);
  return sub;
}

/** Runs a delete; "not found" (or az's "No matched assignments") means it is already gone. */
async function remove(ctx: TeardownContext, argv: readonly string[]): Promise<CommandResult> {
  const result = await ctx.cmd.run(argv, { mutates: true, allowFailure: true, retry: transientRetry });
  if (result.exitCode === 0 || isNotFound(result) || /No matched assignments|No deleted (Vault|certificate)/i.test(result.stderr)) {
    return result;
  }
  throw new Error(`${argv.slice(0, 4).join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
}

export async function removeOne(ctx: TeardownContext, resource: CreatedResource): Promise<void> {
  const sub = () => subscriptionFor(resource);
  switch (resource.kind) {
    case 'roleAssignment':
      await remove(ctx, az(sub(), 'role', 'assignment', 'delete', '--ids', resource.id));
      return;
    case 'accessPolicy':
      await remove(
        ctx,
        az(
          sub(),
          'keyvault',
          'delete-policy',
          '-n',
          detail(resource, 'vaultName'),
          '-g',
          detail(resource, 'resourceGroup'),
          '--object-id',
          detail(resource, 'objectId'),
        ),
      );
      return;
    case 'federatedCredential':
      await remove(
        ctx,
        az(
          sub(),
          'identity',
          'federated-credential',
          'delete',
          '--name',
          detail(resource, 'name'),
          '--identity-name',
          detail(resource, 'identityName'),
          '-g',
          detail(resource, 'resourceGroup'),
          '--yes',
        ),
      );
      return;
    case 'identity':
      await remove(ctx, az(sub(), 'identity', 'delete', '--ids', resource.id));
      return;
    case 'certificate': {
      const args = ['-n', detail(resource, 'name'), '--vault-name', detail(resource, 'vaultName')];
      await remove(ctx, az(sub(), 'keyvault', 'certificate', 'delete', ...args));
      // A deleted certificate keeps its name reserved until purged (docs/troubleshooting.md#certificate-soft-deleted).
      const purge = az(sub(), 'keyvault', 'certificate', 'purge', ...args);
      const purged = await ctx.cmd.run(purge, { mutates: true, allowFailure: true, retry: transientRetry });
      if (purged.exitCode === 0 || isNotFound(purged) || /No deleted (Vault|certificate)/i.test(purged.stderr)) return;
      // The default access policy of an access-policy vault's creator has no purge permission:
      // the certificate stays soft-deleted until its vault is deleted and purged (teardown does
      // that next when the run created the vault), or someone with purge permission purges it.
      if (/Forbidden|does not have certificates purge permission/i.test(purged.stderr)) {
        const name = detail(resource, 'name');
        ctx.log(`deleted ${name} but may not purge it (no purge permission): the name stays reserved until the vault is purged`);
        ctx.log(`to free it sooner, someone with purge permission runs: ${purge.join(' ')}`);
        return;
      }
      throw new Error(`${purge.slice(0, 4).join(' ')} failed (exit ${purged.exitCode}): ${purged.stderr.trim()}`);
    }
    case 'keyVault':
      await remove(ctx, az(sub(), 'keyvault', 'delete', '-n', detail(resource, 'name'), '-g', detail(resource, 'resourceGroup')));
      // Purge, as Ratify's CI does: otherwise the globally unique name stays reserved for 90 days.
      await remove(ctx, az(sub(), 'keyvault', 'purge', '-n', detail(resource, 'name')));
      return;
    case 'acrRepository':
      await remove(
        ctx,
        az(
          sub(),
          'acr',
          'repository',
          'delete',
          '-n',
          detail(resource, 'registry'),
          '--repository',
          detail(resource, 'repository'),
          '--yes',
        ),
      );
      return;
    case 'acrImage':
      // The run's image in a repository the user already had: that manifest, its tag and its signatures.
      await remove(
        ctx,
        az(
          sub(),
          'acr',
          'repository',
          'delete',
          '-n',
          detail(resource, 'registry'),
          '--image',
          `${detail(resource, 'repository')}:${detail(resource, 'tag')}`,
          '--yes',
        ),
      );
      return;
    case 'acrAttachment':
      await remove(
        ctx,
        az(
          sub(),
          'aks',
          'update',
          '-g',
          detail(resource, 'resourceGroup'),
          '-n',
          detail(resource, 'aksName'),
          '--detach-acr',
          detail(resource, 'registry'),
        ),
      );
      return;
    case 'policyAssignment':
      await remove(
        ctx,
        az(sub(), 'policy', 'assignment', 'delete', '--name', detail(resource, 'name'), '--scope', detail(resource, 'scope')),
      );
      return;
    case 'policyDefinition':
      await remove(ctx, az(sub(), 'policy', 'definition', 'delete', '--name', detail(resource, 'name')));
      return;
    case 'namespace':
      await remove(ctx, ['kubectl', 'delete', 'namespace', detail(resource, 'name'), '--ignore-not-found']);
      return;
    case 'cluster':
      await remove(ctx, az(sub(), 'aks', 'delete', '--ids', resource.id, '--yes'));
      return;
    case 'registry':
      await remove(ctx, az(sub(), 'acr', 'delete', '--ids', resource.id, '--yes'));
      return;
    case 'resourceGroup':
      await remove(ctx, az(sub(), 'group', 'delete', '-n', detail(resource, 'name'), '--yes'));
      return;
    case 'aksFeature':
      // Cluster features stay on: other workloads may rely on them, and an OIDC issuer cannot be disabled.
      ctx.log(
        `left on: ${resource.details?.feature ?? resource.id} (enabled by this runbook on ${resource.details?.aksName ?? 'the cluster'})`,
      );
      return;
    default:
      throw new Error(`Do not know how to remove a ${resource.kind} (${resource.id}); remove it by hand.`);
  }
}

/** provision-base: deleting the resource group removes the registry and cluster in it too. */
export async function removeBaseResources(ctx: TeardownContext): Promise<void> {
  const group = ctx.createdBefore.find((r) => r.kind === 'resourceGroup');
  if (group) return removeOne(ctx, group);
  for (const resource of [...ctx.createdBefore].reverse()) await removeOne(ctx, resource);
}
