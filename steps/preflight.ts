import { defineStep } from '../runner/step.js';
import { apiVersions, clusterId } from './_shared/ids.js';
import { stringProp, prop } from './_shared/json.js';
import { atLeast } from './_shared/versions.js';
import { readAccount } from './preflight/account.js';
import { checkTools } from './preflight/tools.js';

export const preflight = defineStep({
  id: 'preflight',
  title: 'Check tools, login and cluster',
  explain: `
Read-only, and run every time (\`ratify-runbook doctor\` runs it alone). The blog assumes a
ready workstation; this step checks it: **az** (>= 2.61, where new Key Vaults
[default to Azure RBAC](docs/errata.md#key-vault-access-model)), **aks-preview** >= 0.5.96 when
Image Integrity has to be removed,
**kubectl**, **helm**, **notation**; who is logged in, the subscription and tenant; the
caller's object id (for a user through \`az ad signed-in-user show\`, for a service principal
through \`az ad sp show\`, since \`/me\` fails for non-user logins); and the cluster:
Kubernetes >= 1.27 (what current azure-policy add-ons need).
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'cleanupImageIntegrity'],
  after: ['provision-base'],
  produces: ['subscriptionId', 'tenantId', 'callerObjectId', 'callerType'],
  rerunEveryTime: true,
  // Nothing to skip: it is the read-only check itself.
  check: async () => undefined,
  async run(ctx) {
    const [tools, account] = await Promise.all([
      checkTools(ctx.cmd, ctx.answers.cleanupImageIntegrity === true),
      readAccount(ctx.cmd, ctx.answers.subscriptionId?.trim() || undefined),
    ]);
    for (const line of tools.lines) ctx.log(line);
    for (const warning of tools.warnings) ctx.log(`warning: ${warning}`);
    const problems = [...tools.problems];

    const { resourceGroup: rg, aksName } = ctx.answers;
    const cluster = await ctx.azure.getById(clusterId(account.subscriptionId, rg, aksName), apiVersions.cluster);
    if (cluster) {
      const k8s = stringProp(cluster.properties, 'currentKubernetesVersion') ?? stringProp(cluster.properties, 'kubernetesVersion') ?? '';
      ctx.log(`cluster ${aksName}: Kubernetes ${k8s}, azure-policy add-on ${prop(cluster.properties, 'addonProfiles', 'azurepolicy', 'enabled') === true ? 'on' : 'off'}`);
      if (!atLeast(k8s, '1.27.0')) problems.push(`Cluster ${aksName} runs Kubernetes ${k8s}; the azure-policy add-on needs >= 1.27: az aks upgrade -g ${rg} -n ${aksName} --kubernetes-version <version>`);
    } else if (ctx.mode === 'run') {
      // A plan reads nothing; only a real run can say the cluster is missing.
      problems.push(`Cluster ${aksName} was not found in resource group ${rg} of subscription ${account.subscriptionId}: check resourceGroup/aksName/subscriptionId, or set createBaseResources: true.`);
    }
    ctx.log(`subscription ${account.subscriptionId}, tenant ${account.tenantId}, caller ${account.callerType} ${account.callerObjectId}`);
    if (problems.length > 0) throw new Error(`Preflight found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
    return { ...account };
  },
});
