import { defineStep, type StepContext } from '../runner/step.js';
import type { ShellTest } from '../runner/command-types.js';
import { az, subscriptionOf } from './_shared/az.js';
import { credentialsFor, isEntraId } from './_shared/credentials.js';
import { apiVersions, assignmentScope, clusterId, policyAssignmentId, resourceGroupId } from './_shared/ids.js';
import { prop } from './_shared/json.js';
import { aksPreviewMissing, kubeloginDeviceCode } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { PODS } from './_shared/kube.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'aksName' | 'cleanupImageIntegrity'>;
const ASSIGNMENT = 'deploy-trustedimages';
/** AKS labels the components it manages; Image Integrity's Ratify is one (ours, from Helm, is not). */
const MANAGED_BY_AKS = 'kubernetes.azure.com/managedby=aks';
const managedPods = ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-l', MANAGED_BY_AKS, '-o', 'name'];

/**
 * Every scope the initiative is assigned at: part 3 used the resource group; a subscription-wide
 * one is found too. One ARM GET each, shown as the `az policy assignment show` it stands for.
 */
async function assignmentIds(ctx: Ctx, sub: string): Promise<string[]> {
  const scopes = [resourceGroupId(sub, ctx.answers.resourceGroup), `/subscriptions/${sub}`];
  const found = await Promise.all(
    scopes.map((scope) =>
      ctx.azure.getById(policyAssignmentId(scope, ASSIGNMENT), apiVersions.policyAssignment, {
        shows: [
          {
            argv: az(sub, 'policy', 'assignment', 'show', '--name', ASSIGNMENT, '--scope', scope, '--query', 'id', '-o', 'tsv'),
            probe: true,
          },
        ],
      }),
    ),
  );
  // A plan assumes the fresh world of the blog's part 3: the initiative is assigned at the resource group.
  if (ctx.mode === 'plan') return [policyAssignmentId(scopes[0]!, ASSIGNMENT)];
  return found.flatMap((a, i) => (a ? [a.id ?? policyAssignmentId(scopes[i]!, ASSIGNMENT)] : []));
}

/**
 * The feature's switch, read with a preview API version: a stable one never returns
 * securityProfile.imageIntegrity. `known: false` when ARM no longer takes that version; the
 * feature is then recognised by what it runs in the cluster.
 */
async function imageIntegritySwitch(ctx: Ctx, sub: string): Promise<{ enabled: boolean; known: boolean }> {
  const id = clusterId(sub, ctx.answers.resourceGroup, ctx.answers.aksName);
  const query = ['--query', 'properties.securityProfile.imageIntegrity.enabled', '-o', 'tsv'];
  try {
    const cluster = await ctx.azure.getById(id, apiVersions.clusterPreview, {
      shows: az(sub, 'resource', 'show', '--ids', id, '--api-version', apiVersions.clusterPreview, ...query),
    });
    // Plan mode reads nothing: the fresh world of part 3 has Image Integrity on.
    if (!cluster) return { enabled: ctx.mode === 'plan', known: true };
    return { enabled: prop(cluster.properties, 'securityProfile', 'imageIntegrity', 'enabled') === true, known: true };
  } catch (error) {
    if ((error as { code?: string }).code === 'InvalidApiVersionParameter') return { enabled: false, known: false };
    throw error;
  }
}

const ratifyPods = (pods: readonly { metadata: { name: string } }[] | undefined): string[] =>
  (pods ?? []).map((p) => p.metadata.name).filter((name) => /ratify/i.test(name));

/** The feature's own Ratify pods in gatekeeper-system (managed by AKS; ours is installed later, by Helm), read through the API. */
async function leftoverRatifyPods(ctx: Ctx): Promise<string[]> {
  return ratifyPods(await ctx.kube.list(PODS, { namespace: 'gatekeeper-system', labelSelector: MANAGED_BY_AKS }, { shows: managedPods }));
}

/** Until those pods have left: watched through the API. */
async function waitForRatifyPodsToLeave(ctx: Ctx): Promise<void> {
  const query = { namespace: 'gatekeeper-system', labelSelector: MANAGED_BY_AKS };
  await ctx.kube.waitFor('the Image Integrity Ratify pods to leave', PODS, query, (pods) => (ratifyPods(pods).length ? undefined : true), {
    timeoutMs: 10 * 60_000,
    intervalMs: 5_000,
    planned: true,
    shows: managedPods,
    until: [{ argv: managedPods, expect: { lacks: 'ratify' } }],
  });
}

async function imageIntegrityOn(ctx: Ctx, sub: string): Promise<boolean> {
  const state = await imageIntegritySwitch(ctx, sub);
  if (state.known) return state.enabled;
  await credentialsFor(ctx, sub, ctx.answers.resourceGroup, ctx.answers.aksName, isEntraId(ctx));
  return (await leftoverRatifyPods(ctx)).length > 0;
}

const showEnabled = (ctx: Ctx, sub: string) =>
  az(
    sub,
    'aks',
    'show',
    '-g',
    ctx.answers.resourceGroup,
    '-n',
    ctx.answers.aksName,
    '--query',
    'securityProfile.imageIntegrity.enabled',
    '-o',
    'tsv',
  );

export const cleanupImageIntegrity = defineStep({
  id: 'cleanup-image-integrity',
  title: 'Remove the Image Integrity preview',
  explain: `
Blog step 1, **reordered**. Part 3 turned on AKS *Image Integrity*, which brings its own
Ratify and an Audit-only policy. The \`deploy-trustedimages\` initiative is
*DeployIfNotExists*: left in place it switches Image Integrity back on at the next cluster
update. So the assignment is deleted [**first**](docs/errata.md#image-integrity-order), by name
[**and scope**](docs/errata.md#assignment-delete-scope) (\`--scope\` of the resource group it
was created at), and only then \`az aks update --disable-image-integrity\` (needs the
aks-preview extension). The feature's switch, \`securityProfile.imageIntegrity\`, exists only in
the [**preview** versions of the AKS API](docs/errata.md#image-integrity-preview-api): it is read
with one (a stable version always says "off", and the cleanup would silently do nothing); should
ARM stop serving that version, the feature is recognised by its AKS-managed Ratify pods in
gatekeeper-system. Then the step waits until those pods are gone. Nothing to do when neither exists.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'cleanupImageIntegrity'],
  after: ['preflight'],
  produces: ['removed'],
  onlyWhen: { answer: 'cleanupImageIntegrity', otherwise: 'cleanupImageIntegrity is false' },
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const [ids, on] = await Promise.all([readForRun(ctx, 'assignments', () => assignmentIds(ctx, sub)), imageIntegrityOn(ctx, sub)]);
    if (ids.length > 0 || on) return undefined;
    // The switch goes off at once, but AKS removes its Ratify minutes later: a run stopped
    // during that wait is not done, or Helm later finds a Deployment "ratify" it does not own.
    await credentialsFor(ctx, sub, ctx.answers.resourceGroup, ctx.answers.aksName, isEntraId(ctx));
    return (await leftoverRatifyPods(ctx)).length === 0 ? { removed: 'false' } : undefined;
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { resourceGroup: rg, aksName } = ctx.answers;
    const ids = await readFromCheck(ctx, 'assignments', () => assignmentIds(ctx, sub));
    for (const id of ids) {
      const scope = assignmentScope(id);
      const named = ['--name', ASSIGNMENT, '--scope', scope];
      const gone: ShellTest = { argv: az(sub, 'policy', 'assignment', 'show', ...named, '-o', 'none'), expect: 'fails' };
      await ctx.cmd.run(az(sub, 'policy', 'assignment', 'delete', ...named), { mutates: true, retry: transientRetry, done: [gone] });
    }
    const on = await imageIntegrityOn(ctx, sub);
    if (on) {
      await ctx.cmd.run(az(sub, 'aks', 'update', '-g', rg, '-n', aksName, '--disable-image-integrity'), {
        mutates: true,
        retry: transientRetry,
        timeoutMs: 30 * 60_000,
        done: [{ argv: showEnabled(ctx, sub), expect: { notEquals: 'true' } }],
      });
    }
    // Also when the switch was already off: an earlier run may have stopped during this wait.
    await credentialsFor(ctx, sub, rg, aksName, isEntraId(ctx));
    await waitForRatifyPodsToLeave(ctx);
    return { removed: String(ids.length > 0 || on) };
  },
  knownFailures: [aksPreviewMissing, kubeloginDeviceCode],
});
