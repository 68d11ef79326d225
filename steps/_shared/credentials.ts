import type { StepContext } from '../../runner/step.js';
import { az } from './az.js';

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
