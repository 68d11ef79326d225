import type { ArmResource, StepContext } from '../../runner/step.js';
import type { ShellTest } from '../../runner/command-types.js';
import { az } from '../_shared/az.js';
import { prop, stringProp } from '../_shared/json.js';
import { assignedRoles } from '../_shared/access.js';
import { apiVersions, clusterId } from '../_shared/ids.js';
import { registryIdByName } from '../_shared/registry.js';
import { PODS } from '../_shared/kube.js';

export type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'aksName' | 'acrName'>;

export const PROVIDERS = ['Microsoft.PolicyInsights', 'Microsoft.ContainerService'] as const;

/** The cluster flags this step switches on, from one ARM GET (a missing cluster reads as "all off"). */
export interface ClusterState {
  readonly azurePolicy: boolean;
  readonly oidc: boolean;
  readonly workloadIdentity: boolean;
  /** ARM spells it issuerURL (az shows issuerUrl). */
  readonly issuer?: string;
  readonly kubeletObjectId?: string;
}

export function clusterState(cluster: ArmResource | undefined): ClusterState {
  const p = cluster?.properties;
  return {
    azurePolicy: prop(p, 'addonProfiles', 'azurepolicy', 'enabled') === true,
    oidc: prop(p, 'oidcIssuerProfile', 'enabled') === true,
    workloadIdentity: prop(p, 'securityProfile', 'workloadIdentity', 'enabled') === true,
    issuer: stringProp(p, 'oidcIssuerProfile', 'issuerURL') ?? stringProp(p, 'oidcIssuerProfile', 'issuerUrl'),
    kubeletObjectId: stringProp(p, 'identityProfile', 'kubeletidentity', 'objectId'),
  };
}

/** The cluster, shown as the `az aks show` it stands for. */
export function showCluster(ctx: Ctx, sub: string): Promise<ArmResource | undefined> {
  const { resourceGroup: rg, aksName } = ctx.answers;
  return ctx.azure.getById(clusterId(sub, rg, aksName), apiVersions.cluster, { shows: az(sub, 'aks', 'show', '-g', rg, '-n', aksName) });
}

const providerShow = (sub: string, namespace: string) =>
  az(sub, 'provider', 'show', '-n', namespace, '--query', 'registrationState', '-o', 'tsv');

/**
 * One ARM GET of the provider, shown as the `az provider show` it stands for. A plan registers
 * the providers (guarded by this read); while it waits, it takes them for registered.
 */
export async function providerRegistered(ctx: Ctx, sub: string, namespace: string, waiting = false): Promise<boolean> {
  const provider = await ctx.azure.getById(`/subscriptions/${sub}/providers/${namespace}`, '2021-04-01', {
    shows: providerShow(sub, namespace),
  });
  return stringProp(provider, 'registrationState') === 'Registered' || (waiting && ctx.mode === 'plan');
}

export const providerRegisteredTest = (sub: string, namespace: string): ShellTest => ({
  argv: providerShow(sub, namespace),
  expect: { equals: 'Registered' },
});

/** The kubelet identity's object id, when the first ARM read did not give it (a plan reads nothing). */
export async function kubeletObjectId(ctx: Ctx, sub: string): Promise<string> {
  const { resourceGroup: rg, aksName } = ctx.answers;
  const query = 'identityProfile.kubeletidentity.objectId';
  const cluster = await ctx.azure.getById(clusterId(sub, rg, aksName), apiVersions.cluster, {
    shows: [{ argv: az(sub, 'aks', 'show', '-g', rg, '-n', aksName, '--query', query, '-o', 'tsv'), capture: 'kubeletObjectId' }],
  });
  if (ctx.mode === 'plan') return '<cluster-prereqs.kubeletObjectId>';
  return clusterState(cluster).kubeletObjectId ?? '';
}

/** The registry's id (found by name in the subscription). */
export const acrId = (ctx: Ctx, sub: string): Promise<string> => registryIdByName(ctx, sub, ctx.answers.acrName, ctx.answers.resourceGroup);

export const kubeletPulls = (sub: string, kubelet: string, registry: string): string[] =>
  az(
    sub,
    'role',
    'assignment',
    'list',
    '--assignee',
    kubelet,
    '--scope',
    registry,
    '--query',
    "[?roleDefinitionName=='AcrPull'].id",
    '-o',
    'tsv',
  );

/** --attach-acr = AcrPull for the kubelet identity on the registry (else ImagePullBackOff). */
export async function kubeletCanPull(ctx: Ctx, sub: string, kubelet: string | undefined, registry: string): Promise<boolean> {
  if (!kubelet) return false;
  return (await assignedRoles(ctx, sub, kubelet, registry)).has('AcrPull');
}

export const kubeletPullTest = (sub: string, kubelet: string, registry: string): ShellTest => ({
  argv: kubeletPulls(sub, kubelet, registry),
  expect: 'nonEmpty',
});

/**
 * The add-on version is the image tag of the azure-policy pod in kube-system (Learn
 * policy-for-kubernetes, "Identify which Add-on version is installed"; pods matched by name).
 */
export async function addonVersion(ctx: Ctx): Promise<string | undefined> {
  const jsonpath = 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}';
  const shows = ['kubectl', 'get', 'pods', '-n', 'kube-system', '-o', jsonpath];
  const pods = await ctx.kube.list(PODS, { namespace: 'kube-system' }, { shows });
  for (const pod of pods ?? []) {
    const image = String((pod.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image ?? '');
    if (/^azure-policy-(?!webhook)/.test(pod.metadata.name) && image.includes(':')) return image.slice(image.lastIndexOf(':') + 1);
  }
  return undefined;
}
