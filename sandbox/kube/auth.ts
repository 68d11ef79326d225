import { verifyJwt } from '../jwt.js';
import { runKubeloginPlugin } from '../kubelogin/kubelogin.js';
import type { ToolContext } from '../tool-context.js';
import { hex } from '../world/ids.js';
import { aadProfileOf, AKS_AAD_SERVER_APP } from '../world/cluster.js';
import type { ArmResource, KubeData, World } from '../world/model.js';
import type { PluginRunner } from './credentials.js';

/** Who the API server of a sandbox cluster takes a caller for. */
export interface KubeCaller {
  readonly name: string;
  /** Cluster admins may do anything; the sandbox models no finer Kubernetes RBAC. */
  readonly clusterAdmin: boolean;
}

/** The static tokens of a cluster's local accounts (made on first use; stable after). */
export function clusterTokens(kube: KubeData): { user: string; admin: string } {
  return (kube.tokens ??= { user: hex(32), admin: hex(32) });
}

/**
 * The API server's authentication of a bearer token. Local accounts (unless the cluster disables
 * them) present the static hex token `az aks get-credentials` wrote, and are cluster-admin.
 * Entra ID clusters (aadProfile.managed) also take an Entra ID token issued for the AKS server
 * application (6dae42f8-...) in the cluster's tenant: in the sandbox, a world-signed JWT with that
 * audience and tid, from the fake az or kubelogin. The admin group's members are cluster-admin.
 * Anything else: undefined (401 Unauthorized).
 */
export function authenticateToken(world: World, now: number, cluster: ArmResource, kube: KubeData, token: string): KubeCaller | undefined {
  const tokens = clusterTokens(kube);
  if (cluster.properties.disableLocalAccounts !== true) {
    if (token === tokens.admin) return { name: 'clusterAdmin', clusterAdmin: true };
    if (token === tokens.user) return { name: 'clusterUser', clusterAdmin: true };
  }
  const aad = aadProfileOf(cluster);
  if (!aad) return undefined;
  const claims = verifyJwt(token, world.tokenKey, now);
  const aud = String(claims?.aud ?? '').replace(/\/$/, '');
  if (!claims || (aud !== AKS_AAD_SERVER_APP && aud !== `api://${AKS_AAD_SERVER_APP}`) || claims.tid !== aad.tenantID) return undefined;
  const principal = claims.oid === world.user.objectId ? world.user : world.principals[String(claims.oid)];
  const groups = principal?.groups ?? [];
  const clusterAdmin = (aad.adminGroupObjectIDs ?? []).some((g) => groups.includes(g));
  return { name: String(claims.upn ?? claims.oid), clusterAdmin };
}

/** What a caller may do (`kubectl auth can-i`): cluster admins anything, other signed-in users only read. */
export const callerMay = (caller: KubeCaller, verb: string): boolean => caller.clusterAdmin || ['get', 'list', 'watch'].includes(verb);

/**
 * Credential plugins the sandbox's kubectl and helm can run: the world's kubelogin, in-process;
 * anything else is not installed (exit 127, client-go's "executable ... not found").
 */
export function pluginRunner(t: ToolContext): PluginRunner {
  return async (exec) => {
    if (exec.command !== 'kubelogin' && !exec.command.endsWith('/kubelogin')) return { exitCode: 127, stdout: '', stderr: '' };
    return runKubeloginPlugin(t, exec);
  };
}
