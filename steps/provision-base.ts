import { defineStep, type StepContext } from '../runner/step.js';
import { az, locationArgs, tagArgs } from './_shared/az.js';
import { apiVersions, clusterId, registryId, resourceGroupId } from './_shared/ids.js';
import { authorizationFailed } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { removeBaseResources } from './_shared/teardown.js';
import { tsvValue } from './_shared/tsv.js';
import { armGuard } from './_shared/write-ahead.js';

type Ctx = StepContext<'subscriptionId' | 'location' | 'resourceGroup' | 'aksName' | 'acrName' | 'createBaseResources'>;

/** preflight has not run yet (it checks the cluster this step creates): ask az which subscription is logged in. */
async function subscription(ctx: Ctx): Promise<string> {
  const answer = ctx.answers.subscriptionId?.trim();
  if (answer) return answer;
  const result = await ctx.cmd.run(['az', 'account', 'show', '--query', 'id', '-o', 'tsv'], {
    mutates: false,
    planStdout: '<preflight.subscriptionId>',
  });
  return tsvValue(result.stdout);
}

function requireLocation(ctx: Ctx): string {
  const location = ctx.answers.location?.trim();
  if (!location) throw new Error('createBaseResources: true needs a location answer (e.g. eastus) for the new resource group.');
  return location;
}

export const provisionBase = defineStep({
  id: 'provision-base',
  title: 'Create the resource group, registry and cluster',
  explain: `
Only with \`createBaseResources: true\`. The blog starts from what part 3 left behind: a
resource group, an Azure Container Registry and an AKS cluster. This step creates them when
they do not exist yet: the cluster with the **OIDC issuer**, **workload identity**, the
**azure-policy add-on** and the registry **attached** (kubelet pull), which the later steps
otherwise have to switch on. Each is looked up first (one ARM GET) and never created twice.
`.trim(),
  needs: ['subscriptionId', 'location', 'resourceGroup', 'aksName', 'acrName', 'createBaseResources'],
  after: [],
  produces: ['aksId', 'acrId'],
  onlyWhen: {
    answer: 'createBaseResources',
    otherwise: 'createBaseResources is false: the resource group, registry and cluster already exist',
  },
  async check(ctx) {
    const sub = await subscription(ctx);
    const { resourceGroup: rg, aksName, acrName } = ctx.answers;
    const [aks, acr] = await Promise.all([
      ctx.azure.getById(clusterId(sub, rg, aksName), apiVersions.cluster),
      ctx.azure.getById(registryId(sub, rg, acrName), apiVersions.registry),
    ]);
    return aks && acr ? { aksId: aks.id ?? clusterId(sub, rg, aksName), acrId: acr.id ?? registryId(sub, rg, acrName) } : undefined;
  },
  async run(ctx) {
    const sub = await subscription(ctx);
    const { resourceGroup: rg, aksName, acrName } = ctx.answers;
    const details = { subscription: sub, resourceGroup: rg };

    if (!(await ctx.azure.getById(resourceGroupId(sub, rg), apiVersions.resourceGroup))) {
      const group = { kind: 'resourceGroup', id: resourceGroupId(sub, rg), details: { ...details, name: rg } };
      await ctx.willCreate({ ...group, guard: armGuard(group.id, apiVersions.resourceGroup, 'tag') });
      await ctx.cmd.run(az(sub, 'group', 'create', '-n', rg, '-l', requireLocation(ctx), ...tagArgs(ctx.runTag)), {
        mutates: true,
        guardedBy: az(sub, 'group', 'show', '-n', rg, '-o', 'none'),
        retry: transientRetry,
      });
      await ctx.created(group);
    }

    const acrId = registryId(sub, rg, acrName);
    if (!(await ctx.azure.getById(acrId, apiVersions.registry))) {
      const create = az(sub, 'acr', 'create', '-n', acrName, '-g', rg, '--sku', 'Standard', ...locationArgs(ctx.answers.location), ...tagArgs(ctx.runTag));
      const registry = { kind: 'registry', id: acrId, details: { ...details, name: acrName } };
      await ctx.willCreate({ ...registry, guard: armGuard(acrId, apiVersions.registry, 'tag') });
      await ctx.cmd.run(create, { mutates: true, guardedBy: az(sub, 'acr', 'show', '-n', acrName, '-g', rg, '-o', 'none'), retry: transientRetry });
      await ctx.created(registry);
    }

    const aksId = clusterId(sub, rg, aksName);
    if (!(await ctx.azure.getById(aksId, apiVersions.cluster))) {
      const create = az(sub, 'aks', 'create', '-g', rg, '-n', aksName, ...locationArgs(ctx.answers.location), '--node-count', '2',
        '--enable-oidc-issuer', '--enable-workload-identity', '--enable-addons', 'azure-policy', '--attach-acr', acrName,
        '--generate-ssh-keys', ...tagArgs(ctx.runTag));
      const cluster = { kind: 'cluster', id: aksId, details: { ...details, name: aksName } };
      await ctx.willCreate({ ...cluster, guard: armGuard(aksId, apiVersions.cluster, 'tag') });
      await ctx.cmd.run(create, {
        mutates: true,
        guardedBy: az(sub, 'aks', 'show', '-g', rg, '-n', aksName, '-o', 'none'),
        retry: transientRetry,
        timeoutMs: 30 * 60_000,
      });
      await ctx.created(cluster);
    }
    return { aksId, acrId };
  },
  teardown: removeBaseResources,
  knownFailures: [authorizationFailed],
});
