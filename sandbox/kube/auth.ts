import { verifyJwt } from '../jwt.js';
import { runKubeloginPlugin } from '../kubelogin/kubelogin.js';
import type { ToolContext } from '../tool-context.js';
import { aadProfileOf, AKS_AAD_SERVER_APP } from '../world/cluster.js';
import type { Access } from './access.js';
import { resolveCredential, type ExecConfig, type PluginRun } from './credentials.js';

/** Who the API server of a sandbox cluster takes the caller for, or why it cannot. */
export type Authentication =
  | { readonly ok: true; readonly clusterAdmin: boolean; readonly name: string }
  | { readonly ok: false; readonly kind: 'waits'; readonly stderr: string }
  | { readonly ok: false; readonly kind: 'unauthorized' }
  | { readonly ok: false; readonly kind: 'error'; readonly message: string; readonly stderr: string };

/** Credential plugins the world's owner can run: its own kubelogin; anything else is not installed. */
function pluginRunner(t: ToolContext): (exec: ExecConfig) => Promise<PluginRun> {
  return async (exec) => {
    if (exec.command !== 'kubelogin' && !exec.command.endsWith('/kubelogin')) return { exitCode: 127, stdout: '', stderr: '' };
    return runKubeloginPlugin(t, exec);
  };
}

/**
 * The API server's authentication. Entra ID clusters (aadProfile.managed, local accounts
 * disabled) accept only an Entra ID token issued for the AKS server application
 * (6dae42f8-...) in the cluster's tenant: in the sandbox, a world-signed JWT with that
 * audience and tid. The admin group's members are cluster-admin. Local-accounts clusters take
 * the kubeconfig's static credential.
 */
export async function authenticate(t: ToolContext, access: Extract<Access, { ok: true }>): Promise<Authentication> {
  const credential = await resolveCredential(access.user, pluginRunner(t));
  if (credential.kind === 'waits') return { ok: false, kind: 'waits', stderr: credential.stderr };
  if (credential.kind === 'error') return { ok: false, kind: 'error', message: credential.message, stderr: credential.stderr };
  const aad = aadProfileOf(access.cluster);
  if (!aad) return { ok: true, clusterAdmin: true, name: 'clusterUser' };
  if (credential.kind !== 'token') return { ok: false, kind: 'unauthorized' };
  const claims = verifyJwt(credential.token, t.world.tokenKey, t.clock.now());
  if (!claims || claims.aud !== AKS_AAD_SERVER_APP || claims.tid !== aad.tenantID) return { ok: false, kind: 'unauthorized' };
  const principal = claims.oid === t.world.user.objectId ? t.world.user : t.world.principals[claims.oid];
  const groups = principal?.groups ?? [];
  const clusterAdmin = (aad.adminGroupObjectIDs ?? []).some((g) => groups.includes(g));
  return { ok: true, clusterAdmin, name: String(claims.upn ?? claims.oid) };
}
