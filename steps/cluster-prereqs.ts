import { defineStep } from '../runner/step.js';
import { az, subscriptionOf } from './_shared/az.js';
import { apiVersions, clusterId } from './_shared/ids.js';
import { authorizationFailed, kubeloginDeviceCode, oidcRequired } from './_shared/known-failures.js';
import { credentialsFor, isEntraId, kubeconfigFor } from './_shared/credentials.js';
import { transientRetry } from './_shared/retry.js';
import { removeCreated } from './_shared/teardown.js';
import { atLeast } from './_shared/versions.js';
import { readGuard } from './_shared/write-ahead.js';
import * as read from './cluster-prereqs/reads.js';

const slowUpdate = { mutates: true, retry: transientRetry, timeoutMs: 30 * 60_000 } as const;
const tsv = (query: string) => ['--query', query, '-o', 'tsv'];

export const clusterPrereqs = defineStep({
  id: 'cluster-prereqs',
  title: 'Prepare the cluster',
  explain: `
[Missing from the blog](docs/errata.md#cluster-prerequisites). Registers the
**Microsoft.PolicyInsights** and **Microsoft.ContainerService** providers; turns on the
**azure-policy add-on** (>= 1.4.0 has external data on by default, so the blog's
[\`AKS-AzurePolicyExternalData\` flag](docs/errata.md#external-data-feature) is not needed),
the **OIDC issuer** and **workload identity** (Ratify's identity); **attaches the
registry** so the kubelet can pull the signed image; and writes the cluster's credentials into
the run's **own kubeconfig** in the state dir, never \`~/.kube/config\`. Each switch is read
first and only flipped when off.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'acrName'],
  after: ['preflight', 'cleanup-image-integrity'],
  produces: ['aksId', 'oidcIssuer', 'kubeconfig'],
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const cluster = await read.showCluster(ctx, sub);
    const state = read.clusterState(cluster);
    if (!cluster || !state.azurePolicy || !state.oidc || !state.workloadIdentity || !state.issuer) return undefined;
    const [providers, pull, kubeconfig] = await Promise.all([
      Promise.all(read.PROVIDERS.map((ns) => read.providerRegistered(ctx, sub, ns))),
      read.acrId(ctx, sub).then((registry) => read.kubeletCanPull(ctx, sub, state.kubeletObjectId, registry)),
      kubeconfigFor(ctx, ctx.answers.aksName),
    ]);
    if (!providers.every(Boolean) || !pull || !kubeconfig) return undefined;
    return {
      aksId: cluster.id ?? clusterId(sub, ctx.answers.resourceGroup, ctx.answers.aksName),
      oidcIssuer: state.issuer,
      kubeconfig: ctx.paths.kubeconfig,
    };
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { resourceGroup: rg, aksName, acrName } = ctx.answers;
    const aks = ['-g', rg, '-n', aksName];
    // Features stay on at teardown (it only lists them), so a crash that loses one of these loses a notice, nothing more.
    const feature = (name: string) =>
      ctx.created({
        kind: 'aksFeature',
        id: `${clusterId(sub, rg, aksName)}#${name}`,
        details: { subscription: sub, aksName, feature: name },
      });

    await Promise.all(
      read.PROVIDERS.map(async (namespace) => {
        if (await read.providerRegistered(ctx, sub, namespace)) return;
        const registered = read.providerRegisteredTest(sub, namespace);
        const register = az(sub, 'provider', 'register', '--namespace', namespace);
        await ctx.cmd.run(register, { mutates: true, retry: transientRetry, done: [registered] });
        const probe = async () => ((await read.providerRegistered(ctx, sub, namespace, true)) ? true : undefined);
        await ctx.waitFor(`${namespace} to be registered`, probe, {
          timeoutMs: 15 * 60_000,
          intervalMs: 10_000,
          until: [registered],
        });
      }),
    );

    const state = read.clusterState(await read.showCluster(ctx, sub));
    const shows = (query: string, value: string) => [{ argv: az(sub, 'aks', 'show', ...aks, ...tsv(query)), expect: { equals: value } }];
    if (!state.azurePolicy) {
      const on = shows('addonProfiles.azurepolicy.enabled', 'true');
      await ctx.cmd.run(az(sub, 'aks', 'enable-addons', '--addons', 'azure-policy', ...aks), { ...slowUpdate, done: on });
      await feature('azure-policy add-on');
    }
    if (!state.oidc || !state.workloadIdentity) {
      await ctx.cmd.run(az(sub, 'aks', 'update', ...aks, '--enable-oidc-issuer', '--enable-workload-identity'), {
        ...slowUpdate,
        done: shows('oidcIssuerProfile.enabled && securityProfile.workloadIdentity.enabled', 'true'),
      });
      if (!state.oidc) await feature('OIDC issuer (cannot be disabled)');
      if (!state.workloadIdentity) await feature('workload identity');
    }
    const registry = await read.acrId(ctx, sub);
    const kubelet = state.kubeletObjectId ?? (await read.kubeletObjectId(ctx, sub));
    if (!(await read.kubeletCanPull(ctx, sub, kubelet, registry))) {
      const pulls = [read.kubeletPullTest(sub, kubelet, registry)];
      const details = { subscription: sub, resourceGroup: rg, aksName, registry: acrName };
      const attachment = { kind: 'acrAttachment', id: `${clusterId(sub, rg, aksName)}#attach-acr=${acrName}`, details };
      // The attachment is the kubelet's AcrPull on the registry; the read before found none.
      if (kubelet) await ctx.willCreate({ ...attachment, guard: readGuard(read.kubeletPulls(sub, kubelet, registry)) });
      await ctx.cmd.run(az(sub, 'aks', 'update', ...aks, '--attach-acr', acrName), { ...slowUpdate, done: pulls });
      await ctx.created(attachment);
    }

    // Not again when the kubeconfig already reaches this cluster (cleanup-image-integrity may have just written it).
    await credentialsFor(ctx, sub, rg, aksName, isEntraId(ctx));
    // One ARM GET after the updates, shown as the two reads a person would type.
    const show = (query: string, capture: string) => ({ argv: az(sub, 'aks', 'show', ...aks, ...tsv(query)), capture });
    const cluster = await ctx.azure.getById(clusterId(sub, rg, aksName), apiVersions.cluster, {
      shows: [show('oidcIssuerProfile.issuerUrl', 'oidcIssuer'), show('id', 'aksId')],
    });
    const oidcIssuer = ctx.mode === 'plan' ? '<cluster-prereqs.oidcIssuer>' : (read.clusterState(cluster).issuer ?? '');
    // A plan knows the id from the answers.
    const aksId = (ctx.mode === 'plan' ? undefined : cluster?.id) ?? clusterId(sub, rg, aksName);
    if (!oidcIssuer)
      throw new Error(
        `Cluster ${aksName} reports no OIDC issuer URL after the update: run again in a minute (the issuer appears once the update completes).`,
      );

    const version = await read.addonVersion(ctx);
    if (version && !atLeast(version, '1.4.0')) {
      throw new Error(
        `The azure-policy add-on is ${version}; external data (what Ratify answers) is on by default only from 1.4.0. Upgrade the cluster, or register AKS-AzurePolicyExternalData and run \`az provider register -n Microsoft.ContainerService\`.`,
      );
    }
    ctx.log(version ? `azure-policy add-on ${version}` : 'azure-policy add-on pods not running yet (they start within minutes)');
    return { aksId, oidcIssuer, kubeconfig: ctx.paths.kubeconfig };
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [oidcRequired, authorizationFailed, kubeloginDeviceCode],
});
