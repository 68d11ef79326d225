import { defineStep } from '../runner/step.js';
import { apiVersions, clusterId } from './_shared/ids.js';
import { stringProp, prop } from './_shared/json.js';
import { atLeast } from './_shared/versions.js';
import { readAccount } from './preflight/account.js';
import { checkTools, TOOLS } from './preflight/tools.js';

export const preflight = defineStep({
  id: 'preflight',
  title: 'Check tools, login and cluster',
  explain: `
Read-only, and run every time (\`ratify-runbook doctor\` runs it alone). The blog assumes a
ready workstation; this step checks it: **az** (>= 2.61, where new Key Vaults
[default to Azure RBAC](docs/errata.md#key-vault-access-model)), **aks-preview** >= 0.5.96 when
Image Integrity has to be removed, **kubectl**, **helm**, **notation** with the azure-kv plugin,
and **kubelogin** when the cluster signs in with Microsoft Entra ID (every missing tool is listed
at once, with how to install it); who is logged in, the subscription and tenant; the caller's
object id (for a user through \`az ad signed-in-user show\`, for a service principal through
\`az ad sp show\`, since \`/me\` fails for non-user logins); and the cluster: Kubernetes >= 1.27
(what current azure-policy add-ons need).
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'cleanupImageIntegrity'],
  after: ['provision-base'],
  produces: ['subscriptionId', 'tenantId', 'callerObjectId', 'callerType'],
  rerunEveryTime: true,
  // Nothing to skip: it is the read-only check itself.
  check: async () => undefined,
  async run(ctx) {
    const needs = { aksPreview: ctx.answers.cleanupImageIntegrity === true, kubelogin: false };
    const tools = await checkTools(ctx.cmd, needs);
    for (const line of tools.lines) ctx.log(line);
    for (const warning of tools.warnings) ctx.log(`warning: ${warning}`);
    const problems = [...tools.problems];
    // Without az nothing else can be read: report every missing tool now, at once.
    if (tools.missing.includes('az')) throw preflightFailed(problems);
    const account = await readAccount(ctx.cmd, ctx.answers.subscriptionId?.trim() || undefined);

    const { resourceGroup: rg, aksName } = ctx.answers;
    const cluster = await ctx.azure.getById(clusterId(account.subscriptionId, rg, aksName), apiVersions.cluster);
    if (cluster && signsInWithEntraId(cluster.properties)) {
      // kubectl and helm reach such a cluster only through kubelogin.
      const more = await checkTools(ctx.cmd, { aksPreview: false, kubelogin: true }, TOOLS.filter((t) => t.name === 'kubelogin'));
      for (const line of more.lines) ctx.log(line);
      problems.push(...more.problems);
    }
    if (cluster) {
      const k8s = stringProp(cluster.properties, 'currentKubernetesVersion') ?? stringProp(cluster.properties, 'kubernetesVersion') ?? '';
      ctx.log(`cluster ${aksName}: Kubernetes ${k8s}, azure-policy add-on ${prop(cluster.properties, 'addonProfiles', 'azurepolicy', 'enabled') === true ? 'on' : 'off'}`);
      if (!atLeast(k8s, '1.27.0')) problems.push(`Cluster ${aksName} runs Kubernetes ${k8s}; the azure-policy add-on needs >= 1.27: az aks upgrade -g ${rg} -n ${aksName} --kubernetes-version <version>`);
    } else if (ctx.mode === 'run') {
      // A plan reads nothing; only a real run can say the cluster is missing.
      problems.push(`Cluster ${aksName} was not found in resource group ${rg} of subscription ${account.subscriptionId}: check resourceGroup/aksName/subscriptionId, or set createBaseResources: true.`);
    }
    ctx.log(`subscription ${account.subscriptionId}, tenant ${account.tenantId}, caller ${account.callerType} ${account.callerObjectId}`);
    if (problems.length > 0) throw preflightFailed(problems);
    return { ...account };
  },
});

function preflightFailed(problems: readonly string[]): Error {
  return new Error(`Preflight found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
}

/** Entra ID integration (AKS-managed AAD): kubeconfigs then call kubelogin for a token. */
function signsInWithEntraId(properties: unknown): boolean {
  return prop(properties, 'aadProfile', 'managed') === true;
}
