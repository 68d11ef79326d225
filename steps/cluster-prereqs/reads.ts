import type { ArmResource, StepContext } from '../../runner/step.js';
import type { ShellTest } from '../../runner/command-types.js';
import { az } from '../_shared/az.js';
import { prop, stringProp } from '../_shared/json.js';
import { registryId } from '../_shared/ids.js';
import { tsvLines, tsvValue } from '../_shared/tsv.js';

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

const providerShow = (sub: string, namespace: string) =>
  az(sub, 'provider', 'show', '-n', namespace, '--query', 'registrationState', '-o', 'tsv');

/** A plan registers the providers (guarded by this read); while it waits, it takes them for registered. */
export async function providerRegistered(ctx: Ctx, sub: string, namespace: string, waiting = false): Promise<boolean> {
  const shown = await ctx.cmd.run(providerShow(sub, namespace), { mutates: false });
  return tsvValue(shown.stdout) === 'Registered' || (waiting && shown.planned);
}

export const providerRegisteredTest = (sub: string, namespace: string): ShellTest => ({
  argv: providerShow(sub, namespace),
  expect: { equals: 'Registered' },
});

/** The kubelet identity's object id, when the ARM read did not give it (a plan reads nothing). */
export async function kubeletObjectId(ctx: Ctx, sub: string): Promise<string> {
  const shown = await ctx.cmd.run(
    az(sub, 'aks', 'show', '-g', ctx.answers.resourceGroup, '-n', ctx.answers.aksName,
      '--query', 'identityProfile.kubeletidentity.objectId', '-o', 'tsv'),
    { mutates: false, capture: 'kubeletObjectId' },
  );
  return tsvValue(shown.stdout);
}

export async function acrId(ctx: Ctx, sub: string): Promise<string> {
  const shown = await ctx.cmd.run(az(sub, 'acr', 'show', '-n', ctx.answers.acrName, '--query', 'id', '-o', 'tsv'), {
    mutates: false,
    planStdout: registryId(sub, ctx.answers.resourceGroup, ctx.answers.acrName),
  });
  return tsvValue(shown.stdout);
}

export const kubeletPulls = (sub: string, kubelet: string, registry: string): string[] =>
  az(sub, 'role', 'assignment', 'list', '--assignee', kubelet, '--scope', registry,
    '--query', "[?roleDefinitionName=='AcrPull'].id", '-o', 'tsv');

/** --attach-acr = AcrPull for the kubelet identity on the registry (else ImagePullBackOff). */
export async function kubeletCanPull(ctx: Ctx, sub: string, kubelet: string, registry: string): Promise<boolean> {
  if (!kubelet) return false;
  const listed = await ctx.cmd.run(kubeletPulls(sub, kubelet, registry), { mutates: false });
  return tsvLines(listed.stdout).length > 0;
}

export const kubeletPullTest = (sub: string, kubelet: string, registry: string): ShellTest => ({
  argv: kubeletPulls(sub, kubelet, registry),
  expect: 'nonEmpty',
});

/** The state dir's kubeconfig exists and names a context. */
export async function kubeconfigReady(ctx: Ctx): Promise<boolean> {
  const result = await ctx.cmd.run(['kubectl', 'config', 'current-context'], { mutates: false, allowFailure: true });
  return result.exitCode === 0 && result.stdout.trim() !== '';
}

/**
 * The add-on version is the image tag of the azure-policy pod in kube-system (Learn
 * policy-for-kubernetes, "Identify which Add-on version is installed"; pods matched by name).
 */
export async function addonVersion(ctx: Ctx): Promise<string | undefined> {
  const pods = await ctx.cmd.run(
    ['kubectl', 'get', 'pods', '-n', 'kube-system', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}'],
    { mutates: false, allowFailure: true },
  );
  for (const line of tsvLines(pods.stdout)) {
    const [name = '', image = ''] = line.split('\t');
    if (/^azure-policy-(?!webhook)/.test(name) && image.includes(':')) return image.slice(image.lastIndexOf(':') + 1);
  }
  return undefined;
}
