import { guid } from '../../world/ids.js';
import type { ArmResource } from '../../world/model.js';
import { rbacAllows, roleByName, roleDefinitionId } from '../../world/rbac.js';
import { deleteResource, getResource, listByType, putResource } from '../../world/resources.js';
import { findRegistry } from '../../world/seed.js';
import { str } from '../args.js';
import type { AzCtx } from '../context.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { requireCluster } from './managed-cluster.js';

/** The kubelet identity's AcrPull on a registry: --attach-acr/--detach-acr (create, update) and `az aks check-acr`. */

export function findAcrByNameOrId(ctx: AzCtx, nameOrId: string): ArmResource {
  const r = nameOrId.startsWith('/') ? getResource(ctx.world, nameOrId) : findRegistry(ctx.world, nameOrId);
  if (!r) {
    const name = nameOrId.split('/').pop() ?? nameOrId;
    throw cliError(
      `The resource with name '${name}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${ctx.sub.name} (${ctx.sub.id})'.`,
    );
  }
  return r;
}

function kubeletOid(cluster: ArmResource): string {
  return String((cluster.properties.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId);
}

/** `--attach-acr` grants the kubelet identity AcrPull on the registry. */
export function attachAcr(ctx: AzCtx, cluster: ArmResource, acr: ArmResource): void {
  // az assigns AcrPull itself; without the right to it the command stops (acs custom.py _ensure_aks_acr_role_assignment).
  if (!rbacAllows(ctx.world, ctx.caller.objectId, 'authorization/write', acr.id, ctx.now(), ctx.latency.ms('rbacPropagation'))) {
    throw cliError('Could not create a role assignment for ACR. Are you an Owner on this subscription?');
  }
  const role = roleByName('AcrPull')!;
  const oid = kubeletOid(cluster);
  const exists = listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').some((ra) => {
    const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
    return p.principalId === oid && p.scope.toLowerCase() === acr.id.toLowerCase() && p.roleDefinitionId.endsWith(role.guid);
  });
  if (exists) return;
  const name = guid();
  putResource(ctx.world, {
    id: `${acr.id}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      principalId: oid,
      principalType: 'ServicePrincipal',
      roleDefinitionId: roleDefinitionId(ctx.sub.id, role),
      scope: acr.id,
      createdOn: new Date(ctx.now()).toISOString(),
    },
    meta: { createdAt: ctx.now() },
  });
}

export function detachAcr(ctx: AzCtx, cluster: ArmResource, acr: ArmResource): void {
  const oid = kubeletOid(cluster);
  for (const ra of listByType(ctx.world, 'Microsoft.Authorization/roleAssignments')) {
    const p = ra.properties as { principalId: string; scope: string };
    if (p.principalId === oid && p.scope.toLowerCase() === acr.id.toLowerCase()) deleteResource(ctx.world, ra.id);
  }
}

export const acrPullCommands: AzCommand[] = [
  {
    path: 'aks check-acr',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--acr', required: true },
      { names: '--node-name' },
    ],
    run: (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const server = str(a, 'acr')!.toLowerCase();
      const acr = findRegistry(ctx.world, server.replace(/\.azurecr\.io$/, ''));
      const oid = kubeletOid(c);
      const pull =
        acr !== undefined &&
        listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').some((ra) => {
          const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
          return (
            p.principalId === oid &&
            acr.id.toLowerCase().startsWith(p.scope.toLowerCase()) &&
            p.roleDefinitionId.endsWith(roleByName('AcrPull')!.guid)
          );
        });
      const head = `[${new Date(ctx.now()).toISOString()}] Checking host name resolution (${server}): ${acr ? 'SUCCEEDED' : 'FAILED'}\n[${new Date(ctx.now()).toISOString()}] Checking ACR location matches cluster location: SUCCEEDED\n[${new Date(ctx.now()).toISOString()}] Checking managed identity...\n[${new Date(ctx.now()).toISOString()}] Validating image pull permission: `;
      if (!pull)
        throw cliError(
          `${head}FAILED\n[${new Date(ctx.now()).toISOString()}] ACR ${server} rejected token exchange: ACR token exchange endpoint returned error status: 403. body: {"errors":[{"code":"DENIED","message":"authorization failed"}]}\nCommand exited with non-zero status 1`,
        );
      ctx.stdoutRaw(`${head}SUCCEEDED\n[${new Date(ctx.now()).toISOString()}] Your cluster can pull images from ${server}!\n`);
      return null;
    },
  },
];
