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

/** An existence read, shown as the `show` that guards the create after it. */
const guard = (argv: string[]) => ({ shows: [{ argv, probe: true }] });

/** One ARM GET (shown as `show`); the create, guarded by that show and recorded ahead, only when nothing is there. */
async function createUnlessFound(
  ctx: Ctx,
  r: {
    id: string;
    apiVersion: string;
    show: string[];
    create: () => string[];
    created: { kind: string; details: Record<string, string> };
    timeoutMs?: number;
  },
): Promise<void> {
  if (await ctx.azure.getById(r.id, r.apiVersion, guard(r.show))) return;
  const entry = { kind: r.created.kind, id: r.id, details: r.created.details };
  // Found after a crash by the run's tag on it.
  await ctx.willCreate({ ...entry, guard: armGuard(r.id, r.apiVersion, 'tag') });
  await ctx.cmd.run(r.create(), {
    mutates: true,
    guardedBy: r.show,
    retry: transientRetry,
    ...(r.timeoutMs ? { timeoutMs: r.timeoutMs } : {}),
  });
  await ctx.created(entry);
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
      ctx.azure.getById(
        clusterId(sub, rg, aksName),
        apiVersions.cluster,
        guard(az(sub, 'aks', 'show', '-g', rg, '-n', aksName, '-o', 'none')),
      ),
      ctx.azure.getById(
        registryId(sub, rg, acrName),
        apiVersions.registry,
        guard(az(sub, 'acr', 'show', '-n', acrName, '-g', rg, '-o', 'none')),
      ),
    ]);
    return aks && acr ? { aksId: aks.id ?? clusterId(sub, rg, aksName), acrId: acr.id ?? registryId(sub, rg, acrName) } : undefined;
  },
  async run(ctx) {
    const sub = await subscription(ctx);
    const { resourceGroup: rg, aksName, acrName } = ctx.answers;
    const details = { subscription: sub, resourceGroup: rg };
    const location = () => ['-l', requireLocation(ctx)];
    await createUnlessFound(ctx, {
      id: resourceGroupId(sub, rg),
      apiVersion: apiVersions.resourceGroup,
      show: az(sub, 'group', 'show', '-n', rg, '-o', 'none'),
      create: () => az(sub, 'group', 'create', '-n', rg, ...location(), ...tagArgs(ctx.runTag)),
      created: { kind: 'resourceGroup', details: { ...details, name: rg } },
    });
    const acrId = registryId(sub, rg, acrName);
    await createUnlessFound(ctx, {
      id: acrId,
      apiVersion: apiVersions.registry,
      show: az(sub, 'acr', 'show', '-n', acrName, '-g', rg, '-o', 'none'),
      create: () =>
        az(
          sub,
          'acr',
          'create',
          '-n',
          acrName,
          '-g',
          rg,
          '--sku',
          'Standard',
          ...locationArgs(ctx.answers.location),
          ...tagArgs(ctx.runTag),
        ),
      created: { kind: 'registry', details: { ...details, name: acrName } },
    });
    const aksId = clusterId(sub, rg, aksName);
    await createUnlessFound(ctx, {
      id: aksId,
      apiVersion: apiVersions.cluster,
      show: az(sub, 'aks', 'show', '-g', rg, '-n', aksName, '-o', 'none'),
      create: () =>
        az(
          sub,
          'aks',
          'create',
          '-g',
          rg,
          '-n',
          aksName,
          ...locationArgs(ctx.answers.location),
          '--node-count',
          '2',
          '--enable-oidc-issuer',
          '--enable-workload-identity',
          '--enable-addons',
          'azure-policy',
          '--attach-acr',
          acrName,
          '--generate-ssh-keys',
          ...tagArgs(ctx.runTag),
        ),
      created: { kind: 'cluster', details: { ...details, name: aksName } },
      timeoutMs: 30 * 60_000,
    });
    return { aksId, acrId };
  },
  teardown: removeBaseResources,
  knownFailures: [authorizationFailed],
});
