import { guid } from '../world/ids.js';
import type { ArmResource } from '../world/model.js';
import { deleteResource, flatten, getResource, listByType, putResource } from '../world/resources.js';
import { bool, list, str } from './args.js';
import { parseTags, requireRg } from './common.js';
import type { AzCtx } from './context.js';
import { cliError, noTtyCancelled, resourceNotFound } from './errors.js';
import type { AzCommand } from './registry.js';

/** Managed identities + federated credentials (AAZ commands: output flattened). */

// ARM returns identity ids with a lower-case `resourcegroups`.
const identityId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;

const view = (r: ArmResource): Record<string, unknown> => ({ systemData: null, ...flatten(r) });

function requireIdentity(ctx: AzCtx, rg: string, name: string): ArmResource {
  requireRg(ctx, rg);
  const r = getResource(ctx.world, identityId(ctx.sub.id, rg, name));
  if (!r) throw resourceNotFound('Microsoft.ManagedIdentity/userAssignedIdentities', name, rg);
  return r;
}

export const identityCommands: AzCommand[] = [
  {
    path: 'identity create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--location -l' },
      { names: '--tags', kind: 'list' },
    ],
    run: async (ctx, a) => {
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const name = str(a, 'name')!;
      const id = identityId(ctx.sub.id, rg.name, name);
      const existing = getResource(ctx.world, id);
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      // A PUT: re-running returns the same identity with the same principalId.
      const principalId = (existing?.properties.principalId as string | undefined) ?? guid();
      const clientId = (existing?.properties.clientId as string | undefined) ?? guid();
      const res = putResource(ctx.world, {
        id,
        name,
        type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
        location: str(a, 'location') ?? rg.location ?? 'eastus',
        tags: list(a, 'tags') ? parseTags(list(a, 'tags')) : (existing?.tags ?? {}),
        properties: { clientId, principalId, tenantId: ctx.world.tenant.id },
        meta: { createdAt: existing?.meta?.createdAt ?? ctx.now() },
      });
      ctx.world.principals[principalId] = {
        objectId: principalId,
        type: 'ServicePrincipal',
        displayName: name,
        name: clientId,
        appId: clientId,
        identityId: id,
      };
      ctx.markDirty();
      return view(res);
    },
  },
  {
    path: 'identity show',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--ids', kind: 'list' }],
    run: (ctx, a) => {
      const ids = list(a, 'ids');
      if (ids?.[0]) {
        const r = getResource(ctx.world, ids[0]);
        if (!r)
          throw resourceNotFound(
            'Microsoft.ManagedIdentity/userAssignedIdentities',
            ids[0].split('/').pop() ?? '',
            ids[0].split('/')[4] ?? '',
          );
        return view(r);
      }
      if (!str(a, 'name') || !str(a, 'resourceGroup')) throw cliError('(--name | --ids) are required');
      return view(requireIdentity(ctx, str(a, 'resourceGroup')!, str(a, 'name')!));
    },
  },
  {
    path: 'identity list',
    args: [{ names: '--resource-group -g' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      if (rg) requireRg(ctx, rg);
      return listByType(ctx.world, 'Microsoft.ManagedIdentity/userAssignedIdentities', ctx.sub.id)
        .filter((r) => !rg || r.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`))
        .map(view);
    },
  },
  {
    path: 'identity delete',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--ids', kind: 'list' }],
    run: (ctx, a) => {
      const id = list(a, 'ids')?.[0] ?? identityId(ctx.sub.id, str(a, 'resourceGroup') ?? '', str(a, 'name') ?? '');
      const r = getResource(ctx.world, id);
      if (r) {
        deleteResource(ctx.world, r.id);
        delete ctx.world.principals[String(r.properties.principalId)];
        ctx.markDirty();
      }
      return null;
    },
  },
  {
    path: 'identity federated-credential create',
    args: [
      { names: '--name -n', required: true },
      { names: '--identity-name', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--issuer', required: true },
      { names: '--subject', required: true },
      { names: '--audiences --audience', kind: 'list', dest: 'audiences' },
    ],
    run: async (ctx, a) => {
      const ident = requireIdentity(ctx, str(a, 'resourceGroup')!, str(a, 'identityName')!);
      const name = str(a, 'name')!;
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const res = putResource(ctx.world, {
        id: `${ident.id}/federatedIdentityCredentials/${name}`,
        name,
        type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials',
        properties: {
          issuer: str(a, 'issuer')!,
          subject: str(a, 'subject')!,
          audiences: list(a, 'audiences') ?? ['api://AzureADTokenExchange'],
        },
        meta: { createdAt: ctx.now() },
      });
      ctx.markDirty();
      return view(res);
    },
  },
  {
    path: 'identity federated-credential show',
    args: [
      { names: '--name -n', required: true },
      { names: '--identity-name', required: true },
      { names: '--resource-group -g', required: true },
    ],
    run: (ctx, a) => {
      const ident = requireIdentity(ctx, str(a, 'resourceGroup')!, str(a, 'identityName')!);
      const r = getResource(ctx.world, `${ident.id}/federatedIdentityCredentials/${str(a, 'name')}`);
      if (!r)
        throw resourceNotFound(
          `Microsoft.ManagedIdentity/userAssignedIdentities/${ident.name}/federatedIdentityCredentials`,
          str(a, 'name')!,
          str(a, 'resourceGroup')!,
        );
      return view(r);
    },
  },
  {
    path: 'identity federated-credential list',
    args: [
      { names: '--identity-name', required: true },
      { names: '--resource-group -g', required: true },
    ],
    run: (ctx, a) => {
      const ident = requireIdentity(ctx, str(a, 'resourceGroup')!, str(a, 'identityName')!);
      return listByType(ctx.world, 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials')
        .filter((r) => r.id.toLowerCase().startsWith(ident.id.toLowerCase() + '/'))
        .map(view);
    },
  },
  {
    path: 'identity federated-credential delete',
    args: [
      { names: '--name -n', required: true },
      { names: '--identity-name', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: (ctx, a) => {
      if (!bool(a, 'yes')) throw noTtyCancelled();
      const ident = requireIdentity(ctx, str(a, 'resourceGroup')!, str(a, 'identityName')!);
      if (deleteResource(ctx.world, `${ident.id}/federatedIdentityCredentials/${str(a, 'name')}`)) ctx.markDirty();
      return null;
    },
  },
];
