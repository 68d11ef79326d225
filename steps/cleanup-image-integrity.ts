import { defineStep, type StepContext } from '../runner/step.js';
import { az, subscriptionOf } from './_shared/az.js';
import { apiVersions, assignmentScope, clusterId, policyAssignmentId, resourceGroupId } from './_shared/ids.js';
import { prop } from './_shared/json.js';
import { aksPreviewMissing } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { PODS } from './_shared/kube.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'aksName' | 'cleanupImageIntegrity'>;
const ASSIGNMENT = 'deploy-trustedimages';

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

async function imageIntegrityOn(ctx: Ctx, sub: string): Promise<boolean> {
  const cluster = await ctx.azure.getById(clusterId(sub, ctx.answers.resourceGroup, ctx.answers.aksName), apiVersions.cluster, {
    shows: az(sub, 'aks', 'show', '-g', ctx.answers.resourceGroup, '-n', ctx.answers.aksName, '--query', 'securityProfile.imageIntegrity'),
  });
  // Plan mode reads nothing: the fresh world of part 3 has Image Integrity on.
  if (!cluster) return ctx.mode === 'plan';
  return prop(cluster.properties, 'securityProfile', 'imageIntegrity', 'enabled') === true;
}

/** Until the feature's own Ratify pods have left gatekeeper-system (ours is installed later, by Helm): watched through the API. */
async function waitForRatifyPodsToLeave(ctx: Ctx): Promise<void> {
  const gone = (pods: readonly { metadata: { name: string } }[] | undefined): true | undefined =>
    pods?.some((p) => /ratify/i.test(p.metadata.name)) ? undefined : true;
  await ctx.kube.waitFor('the Image Integrity Ratify pods to leave', PODS, { namespace: 'gatekeeper-system' }, gone, {
    timeoutMs: 10 * 60_000,
    intervalMs: 5_000,
    planned: true,
    shows: ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-o', 'name'],
  });
}

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
aks-preview extension). Then the step waits until the feature's Ratify pods are
gone. Nothing to do when neither exists.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'cleanupImageIntegrity'],
  after: ['preflight'],
  produces: ['removed'],
  onlyWhen: { answer: 'cleanupImageIntegrity', otherwise: 'cleanupImageIntegrity is false' },
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const [ids, on] = await Promise.all([readForRun(ctx, 'assignments', () => assignmentIds(ctx, sub)), imageIntegrityOn(ctx, sub)]);
    return ids.length === 0 && !on ? { removed: 'false' } : undefined;
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { resourceGroup: rg, aksName } = ctx.answers;
    const ids = await readFromCheck(ctx, 'assignments', () => assignmentIds(ctx, sub));
    for (const id of ids) {
      await ctx.cmd.run(az(sub, 'policy', 'assignment', 'delete', '--name', ASSIGNMENT, '--scope', assignmentScope(id)), {
        mutates: true,
        retry: transientRetry,
      });
    }
    const on = await imageIntegrityOn(ctx, sub);
    if (on) {
      await ctx.cmd.run(az(sub, 'aks', 'update', '-g', rg, '-n', aksName, '--disable-image-integrity'), {
        mutates: true,
        retry: transientRetry,
        timeoutMs: 30 * 60_000,
      });
      // Credentials into the state dir's own kubeconfig (never ~/.kube/config) to watch the pods go.
      // It changes nothing in Azure or the cluster, hence mutates: false.
      await ctx.cmd.run(az(sub, 'aks', 'get-credentials', '-g', rg, '-n', aksName, '--file', ctx.paths.kubeconfig, '--overwrite-existing'), {
        mutates: false,
      });
      await waitForRatifyPodsToLeave(ctx);
    }
    return { removed: String(ids.length > 0 || on) };
  },
  knownFailures: [aksPreviewMissing],
});
