import { guid, pyIso } from '../world/ids.js';
import type { ArmResource, Principal } from '../world/model.js';
import { roleByName, roleDefinitionId, ROLES } from '../world/rbac.js';
import { deleteResource, flatten, getResource, listByType, putResource } from '../world/resources.js';
import { bool, str } from './args.js';
import type { AzCtx } from './context.js';
import { armError, cliError, usageError } from './errors.js';
import { requireControlPlane } from './common.js';
import type { AzCommand } from './registry.js';

/** `az role assignment`, with az 2.x's output shapes. */

function findPrincipal(ctx: AzCtx, idOrName: string): Principal | undefined {
  const n = idOrName.toLowerCase();
  if (ctx.world.user.objectId === idOrName || ctx.world.user.name.toLowerCase() === n) return ctx.world.user;
  return Object.values(ctx.world.principals).find((p) => p.objectId === idOrName || p.appId === idOrName);
}

function view(ctx: AzCtx, ra: ArmResource, filled: boolean): Record<string, unknown> {
  const p = ra.properties;
  const out: Record<string, unknown> = {
    condition: null,
    conditionVersion: null,
    createdBy: ctx.world.user.objectId,
    createdOn: pyIso(ra.meta?.createdAt ?? 0),
    delegatedManagedIdentityResourceId: null,
    description: p.description ?? null,
    id: ra.id,
    name: ra.name,
    principalId: p.principalId,
    principalType: p.principalType,
    roleDefinitionId: p.roleDefinitionId,
    scope: p.scope,
    type: 'Microsoft.Authorization/roleAssignments',
    updatedBy: ctx.world.user.objectId,
    updatedOn: pyIso(ra.meta?.createdAt ?? 0),
  };
  const rg = flatten(ra).resourceGroup;
  if (rg) out.resourceGroup = rg;
  if (filled) {
    const principal = findPrincipal(ctx, String(p.principalId));
    out.principalName = principal ? principal.name : '';
    out.roleDefinitionName = roleByName(String(p.roleDefinitionId))?.name ?? '';
  }
  return out;
}

const scopeOk = (ctx: AzCtx, scope: string): boolean => {
  if (/^\/subscriptions\/[^/]+$/i.test(scope)) return ctx.world.subscriptions[scope.split('/')[2]!] !== undefined;
  return getResource(ctx.world, scope) !== undefined;
};

export const roleCommands: AzCommand[] = [
  {
    path: 'role assignment create',
    args: [
      { names: '--assignee' },
      { names: '--assignee-object-id' },
      { names: '--assignee-principal-type', choices: ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'] },
      { names: '--role', required: true },
      // --scope is required since az 2.54.0.
      { names: '--scope', required: true },
      { names: '--description' },
      { names: '--condition' },
      { names: '--condition-version' },
    ],
    run: async (ctx, a) => {
      const assignee = str(a, 'assignee');
      const oid = str(a, 'assigneeObjectId');
      if ((assignee === undefined) === (oid === undefined)) throw cliError('usage error: --assignee STRING | --assignee-object-id GUID');
      if (oid && !str(a, 'assigneePrincipalType')) {
        ctx.warn(
          'RBAC service might reject creating role assignment without --assignee-principal-type in the future. Better to specify --assignee-principal-type manually.',
        );
      }
      const role = roleByName(str(a, 'role')!);
      if (!role) throw cliError(`Role '${str(a, 'role')}' doesn't exist.`);
      const scope = str(a, 'scope')!;
      let principal: Principal | undefined;
      if (assignee) {
        principal = findPrincipal(ctx, assignee);
        if (!principal) {
          throw cliError(
            `Cannot find user or service principal in graph database for '${assignee}'. If the assignee is an appId, make sure the corresponding service principal is created with 'az ad sp create --id ${assignee}'.`,
          );
        }
      }
      const principalId = principal?.objectId ?? oid!;
      const principalType =
        str(a, 'assigneePrincipalType') ?? principal?.type ?? findPrincipal(ctx, principalId)?.type ?? 'ServicePrincipal';
      if (!findPrincipal(ctx, principalId)) {
        throw armError(
          'PrincipalNotFound',
          `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${ctx.world.tenant.id}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
        );
      }
      if (!scopeOk(ctx, scope)) {
        throw armError(
          'InvalidResourceNamespace',
          `The resource namespace '${scope.split('/providers/')[1]?.split('/')[0] ?? ''}' is invalid.`,
        );
      }
      const defId = roleDefinitionId(ctx.sub.id, role);
      // Idempotent: an existing assignment comes back from `list`.
      const existing = listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').find((ra) => {
        const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
        return (
          p.principalId === principalId &&
          p.scope.toLowerCase() === scope.toLowerCase() &&
          roleByName(p.roleDefinitionId)?.guid === role.guid
        );
      });
      if (existing) return view(ctx, existing, true);
      const name = guid();
      const newId = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
      requireControlPlane(ctx, 'authorization/write', 'Microsoft.Authorization/roleAssignments/write', newId);
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const ra = putResource(ctx.world, {
        id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
        name,
        type: 'Microsoft.Authorization/roleAssignments',
        properties: {
          principalId,
          principalType,
          roleDefinitionId: defId,
          scope,
          createdOn: new Date(ctx.now()).toISOString(),
          description: str(a, 'description') ?? null,
        },
        meta: { createdAt: ctx.now() },
      });
      ctx.markDirty();
      return view(ctx, ra, false);
    },
  },
  {
    path: 'role assignment list',
    args: [
      { names: '--assignee' },
      { names: '--assignee-object-id' },
      { names: '--role' },
      { names: '--scope' },
      { names: '--resource-group -g' },
      { names: '--all', kind: 'flag' },
      { names: '--include-inherited', kind: 'flag' },
      { names: '--include-groups', kind: 'flag' },
      { names: '--fill-principal-name', kind: 'bool' },
      { names: '--fill-role-definition-name', kind: 'bool' },
    ],
    run: (ctx, a) => {
      const who = str(a, 'assignee') ?? str(a, 'assigneeObjectId');
      const principal = who ? findPrincipal(ctx, who) : undefined;
      if (who && !principal && str(a, 'assignee'))
        throw cliError(
          `Cannot find user or service principal in graph database for '${who}'. If the assignee is an appId, make sure the corresponding service principal is created with 'az ad sp create --id ${who}'.`,
        );
      const role = str(a, 'role') ? roleByName(str(a, 'role')!) : undefined;
      if (str(a, 'role') && !role) throw cliError(`Role '${str(a, 'role')}' doesn't exist.`);
      const rg = str(a, 'resourceGroup');
      const scope = str(a, 'scope') ?? (rg ? `/subscriptions/${ctx.sub.id}/resourceGroups/${rg}` : undefined);
      const inherited = bool(a, 'includeInherited') ?? false;
      return listByType(ctx.world, 'Microsoft.Authorization/roleAssignments')
        .filter((ra) => {
          const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
          if (!p.scope.toLowerCase().startsWith(`/subscriptions/${ctx.sub.id}`.toLowerCase())) return false;
          if (who && p.principalId !== (principal?.objectId ?? who)) return false;
          if (role && roleByName(p.roleDefinitionId)?.guid !== role.guid) return false;
          if (scope && !bool(a, 'all')) {
            const s = p.scope.toLowerCase();
            const t = scope.toLowerCase();
            if (!(s === t || (inherited && t.startsWith(s + '/')))) return false;
          } else if (!scope && !bool(a, 'all') && !who) {
            if (p.scope.toLowerCase() !== `/subscriptions/${ctx.sub.id}`.toLowerCase()) return false;
          }
          return true;
        })
        .map((ra) => view(ctx, ra, (bool(a, 'fillPrincipalName') ?? true) || (bool(a, 'fillRoleDefinitionName') ?? true)));
    },
  },
  {
    path: 'role assignment delete',
    args: [
      { names: '--ids', kind: 'list' },
      { names: '--assignee' },
      { names: '--assignee-object-id' },
      { names: '--role' },
      { names: '--scope' },
      { names: '--resource-group -g' },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const ids = (a.ids as string[] | undefined) ?? [];
      let victims: ArmResource[] = [];
      if (ids.length > 0) {
        victims = ids.map((id) => getResource(ctx.world, id)).filter((x): x is ArmResource => x !== undefined);
      } else {
        const who = str(a, 'assignee') ?? str(a, 'assigneeObjectId');
        const role = str(a, 'role') ? roleByName(str(a, 'role')!) : undefined;
        const scope = str(a, 'scope');
        if (!who && !role && !scope)
          throw usageError('usage error: please provide at least one of --ids, --assignee, --assignee-object-id, --role, --scope');
        const principal = who ? findPrincipal(ctx, who) : undefined;
        victims = listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').filter((ra) => {
          const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
          return (
            (!who || p.principalId === (principal?.objectId ?? who)) &&
            (!role || roleByName(p.roleDefinitionId)?.guid === role.guid) &&
            (!scope || p.scope.toLowerCase() === scope.toLowerCase())
          );
        });
      }
      if (victims.length === 0) throw cliError('No matched assignments were found to delete');
      for (const v of victims) requireControlPlane(ctx, 'authorization/write', 'Microsoft.Authorization/roleAssignments/delete', v.id);
      for (const v of victims) deleteResource(ctx.world, v.id);
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'role definition list',
    args: [{ names: '--name -n' }, { names: '--custom-role-only', kind: 'bool' }, { names: '--scope' }],
    run: (ctx, a) =>
      ROLES.filter((r) => !str(a, 'name') || r.name.toLowerCase() === str(a, 'name')!.toLowerCase() || r.guid === str(a, 'name')).map(
        (r) => ({
          id: roleDefinitionId(ctx.sub.id, r),
          name: r.guid,
          roleName: r.name,
          roleType: 'BuiltInRole',
          type: 'Microsoft.Authorization/roleDefinitions',
        }),
      ),
  },
];
