import type { StepContext } from '../../runner/step.js';
import { az } from './az.js';
import { NAMESPACES } from './kube.js';

type Ctx = Pick<StepContext, 'cmd' | 'paths'>;

/** The AKS AAD server application: tokens for AKS are issued for it (Azure/kubelogin docs, concepts/aks.md). */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

/**
 * The cluster's credentials into the state dir's own kubeconfig (never ~/.kube/config). On an
 * Entra ID cluster AKS writes a kubelogin device-code user, which waits for a browser sign-in
 * that a non-interactive run never completes: `kubelogin convert-kubeconfig -l azurecli` makes
 * it reuse this machine's `az login`. Never --admin: clusters without local accounts refuse it.
 * Only a local file changes (not Azure, not the cluster), hence mutates: false.
 */
export async function fetchCredentials(ctx: Ctx, sub: string, rg: string, aksName: string, entraId: boolean): Promise<void> {
  await ctx.cmd.run(az(sub, 'aks', 'get-credentials', '-g', rg, '-n', aksName, '--file', ctx.paths.kubeconfig, '--overwrite-existing'), {
    mutates: false,
  });
  if (entraId) {
    await ctx.cmd.run(['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', ctx.paths.kubeconfig], { mutates: false });
  }
}

/** `entraId` output of preflight: whether the cluster signs in with Entra ID. */
export const isEntraId = (ctx: Pick<StepContext, 'output'>): boolean => ctx.output('preflight', 'entraId') === 'true';

/** The state dir's kubeconfig reaches the cluster's API (what `kubectl get namespaces` would show). */
export async function kubeconfigReady(ctx: Pick<StepContext, 'kube'>): Promise<boolean> {
  try {
    await ctx.kube.list(NAMESPACES, {}, { shows: ['kubectl', 'get', 'namespaces', '-o', 'name'] });
    return true;
  } catch {
    return false;
  }
}

/** The state dir's kubeconfig is this cluster's (its context is named after it) and reaches its API. */
export async function kubeconfigFor(ctx: Pick<StepContext, 'kube'>, aksName: string): Promise<boolean> {
  return (await ctx.kube.currentContext()) === aksName && (await kubeconfigReady(ctx));
}

/**
 * Before a teardown reaches into the cluster: the state may have come back without its
 * kubeconfig (a CI cache never keeps the cluster credential), so it is written again for the
 * cluster cluster-prereqs recorded (its id names the subscription, group and name; a step's
 * answers hold only what it reads). Nothing to do when it already reaches that cluster.
 */
export async function ensureKubeconfig(ctx: Pick<StepContext, 'cmd' | 'paths' | 'kube' | 'output' | 'mode'>): Promise<void> {
  if (ctx.mode === 'plan') return;
  let aksId: string;
  try {
    aksId = ctx.output('cluster-prereqs', 'aksId');
  } catch {
    return; // the run never reached the cluster: nothing of it to remove there
  }
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i.exec(
    aksId,
  );
  if (m) await credentialsFor(ctx, m[1]!, m[2]!, m[3]!, isEntraId(ctx));
}

/** The cluster's credentials unless the state dir's kubeconfig already reaches it (a plan always shows the command). */
export async function credentialsFor(
  ctx: Ctx & Pick<StepContext, 'kube' | 'mode'>,
  sub: string,
  rg: string,
  aksName: string,
  entraId: boolean,
): Promise<void> {
  if (ctx.mode === 'plan' || !(await kubeconfigFor(ctx, aksName))) await fetchCredentials(ctx, sub, rg, aksName, entraId);
}
