import { defineStep, type StepContext } from '../runner/step.js';
import { az, subscriptionOf } from './_shared/az.js';
import { apiVersions, assignmentScope, clusterId, policyAssignmentId, resourceGroupId } from './_shared/ids.js';
import { prop } from './_shared/json.js';
import { aksPreviewMissing } from './_shared/known-failures.js';
import { transientRetry } from './_shared/retry.js';
import { tsvLines } from './_shared/tsv.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'aksName' | 'cleanupImageIntegrity'>;
const ASSIGNMENT = 'deploy-trustedimages';

/** Every scope the initiative is assigned at (part 3 used the resource group; a subscription-wide one is found too). */
async function assignmentIds(ctx: Ctx, sub: string): Promise<string[]> {
  const rgScoped = policyAssignmentId(resourceGroupId(sub, ctx.answers.resourceGroup), ASSIGNMENT);
  const listed = await ctx.cmd.run(
    az(sub, 'policy', 'assignment', 'list', '--disable-scope-strict-match', '--query', `[?name=='${ASSIGNMENT}'].id`, '-o', 'tsv'),
    // A plan assumes the fresh world of the blog's part 3: the initiative is assigned at the resource group.
    { mutates: false, planStdout: `${rgScoped}\n` },
  );
  return tsvLines(listed.stdout);
}

async function imageIntegrityOn(ctx: Ctx, sub: string): Promise<boolean> {
  const cluster = await ctx.azure.getById(clusterId(sub, ctx.answers.resourceGroup, ctx.answers.aksName), apiVersions.cluster);
  // Plan mode reads nothing: the fresh world of part 3 has Image Integrity on.
  if (!cluster) return ctx.mode === 'plan';
  return prop(cluster.properties, 'securityProfile', 'imageIntegrity', 'enabled') === true;
}

/** The feature's own Ratify pods in gatekeeper-system (ours is installed later, by Helm). */
async function leftoverRatifyPods(ctx: Ctx): Promise<string[]> {
  const pods = await ctx.cmd.run(['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-o', 'name'], { mutates: false, allowFailure: true });
  return tsvLines(pods.stdout).filter((name) => /ratify/i.test(name));
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
    const [ids, on] = await Promise.all([assignmentIds(ctx, sub), imageIntegrityOn(ctx, sub)]);
    return ids.length === 0 && !on ? { removed: 'false' } : undefined;
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { resourceGroup: rg, aksName } = ctx.answers;
    const ids = await assignmentIds(ctx, sub);
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
      await ctx.waitFor('the Image Integrity Ratify pods to leave', async () => ((await leftoverRatifyPods(ctx)).length === 0 ? true : undefined), {
        timeoutMs: 10 * 60_000,
        intervalMs: 5_000,
      });
    }
    return { removed: String(ids.length > 0 || on) };
  },
  knownFailures: [aksPreviewMissing],
});
