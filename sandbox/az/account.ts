import { signJwt } from '../jwt.js';
import { ToolError } from '../tool-result.js';
import { addSubscription, createResourceGroup } from '../world/seed.js';
import { deleteResource, getRg, listByType, subId } from '../world/resources.js';
import { str, list, bool } from './args.js';
import type { AzCommand } from './registry.js';
import { armError, cliError, noTtyCancelled, resourceGroupNotFound } from './errors.js';
import { parseTags } from './common.js';
import { flatten } from '../world/resources.js';

const ARM_AUDIENCE = 'https://management.core.windows.net/';

function accountView(ctx: Parameters<AzCommand['run']>[0], subId: string): Record<string, unknown> {
  const s = ctx.world.subscriptions[subId]!;
  return {
    environmentName: 'AzureCloud',
    homeTenantId: ctx.world.tenant.id,
    id: s.id,
    isDefault: s.id === ctx.world.defaultSubscription,
    managedByTenants: [],
    name: s.name,
    state: 'Enabled',
    tenantDefaultDomain: ctx.world.tenant.domain,
    tenantDisplayName: ctx.world.tenant.displayName,
    tenantId: ctx.world.tenant.id,
    user: { name: ctx.world.user.name, type: 'user' },
  };
}

export const accountCommands: AzCommand[] = [
  {
    path: 'version',
    args: [],
    run: (ctx) => ({
      'azure-cli': '2.67.0',
      'azure-cli-core': '2.67.0',
      'azure-cli-telemetry': '1.1.0',
      extensions: { ...ctx.world.extensions },
    }),
  },
  { path: 'account show', args: [{ names: '--name -n' }], run: (ctx) => accountView(ctx, ctx.sub.id) },
  {
    path: 'account list',
    args: [
      { names: '--all', kind: 'flag' },
      { names: '--refresh', kind: 'flag' },
    ],
    run: (ctx) => Object.keys(ctx.world.subscriptions).map((s) => accountView(ctx, s)),
  },
  {
    path: 'account set',
    args: [{ names: '--name -n', dest: 'name' }],
    run: (ctx, a) => {
      // `--subscription` is consumed globally and resolved into ctx.sub; -n also works.
      const wanted = str(a, 'name');
      const target = wanted
        ? Object.values(ctx.world.subscriptions).find((s) => s.id === wanted || s.name.toLowerCase() === wanted.toLowerCase())
        : ctx.sub;
      if (!target) throw cliError(`The subscription of '${wanted}' doesn't exist in cloud 'AzureCloud'.`);
      ctx.world.defaultSubscription = target.id;
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'account get-access-token',
    args: [{ names: '--resource' }, { names: '--scope', kind: 'list' }, { names: '--resource-type' }, { names: '--tenant -t' }],
    run: (ctx, a) => {
      const now = ctx.now();
      const exp = Math.floor(now / 1000) + 3600;
      const aud = str(a, 'resource') ?? list(a, 'scope')?.[0]?.replace(/\/?\.default$/, '/') ?? ARM_AUDIENCE;
      const token = signJwt(
        {
          aud,
          oid: ctx.caller.objectId,
          tid: ctx.world.tenant.id,
          exp,
          upn: ctx.caller.name,
          appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        },
        ctx.world.tokenKey,
      );
      const d = new Date(exp * 1000);
      const pad = (n: number): string => String(n).padStart(2, '0');
      return {
        accessToken: token,
        expiresOn: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.000000`,
        expires_on: exp,
        subscription: ctx.sub.id,
        tenant: ctx.world.tenant.id,
        tokenType: 'Bearer',
      };
    },
  },
  {
    path: 'ad signed-in-user show',
    args: [],
    run: (ctx) => {
      const [given, ...rest] = ctx.world.user.displayName.split(' ');
      return {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
        businessPhones: [],
        displayName: ctx.world.user.displayName,
        givenName: given ?? null,
        id: ctx.world.user.objectId,
        jobTitle: null,
        mail: null,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: 'en',
        surname: rest.join(' ') || null,
        userPrincipalName: ctx.world.user.name,
      };
    },
  },
  {
    path: 'ad sp show',
    args: [{ names: '--id', required: true }],
    run: (ctx, a) => {
      const id = str(a, 'id')!;
      const p = Object.values(ctx.world.principals).find((x) => x.objectId === id || x.appId === id);
      if (!p) return notFoundGraph(id);
      return {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity',
        accountEnabled: true,
        appDisplayName: p.displayName,
        appId: p.appId,
        displayName: p.displayName,
        id: p.objectId,
        servicePrincipalNames: [p.appId],
        servicePrincipalType: p.identityId ? 'ManagedIdentity' : 'Application',
      };
    },
  },
  {
    path: 'provider show',
    args: [{ names: '--namespace -n', required: true }],
    run: (ctx, a) => {
      const ns = str(a, 'namespace')!;
      const state = ctx.world.providers[`${ctx.sub.id}/${ns}`.toLowerCase()] ?? 'NotRegistered';
      return {
        id: `${subId(ctx.sub.id)}/providers/${ns}`,
        namespace: ns,
        registrationPolicy: 'RegistrationRequired',
        registrationState: state,
        resourceTypes: [],
      };
    },
  },
  {
    path: 'provider register',
    args: [
      { names: '--namespace -n', required: true },
      { names: '--wait', kind: 'flag' },
      { names: '--consent-to-permissions', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const ns = str(a, 'namespace')!;
      const key = `${ctx.sub.id}/${ns}`.toLowerCase();
      if (ctx.world.providers[key] === 'Registered') return null;
      if (bool(a, 'wait')) await ctx.clock.sleep(ctx.latency.ms('providerRegister'));
      ctx.world.providers[key] = 'Registered';
      ctx.markDirty();
      if (!bool(a, 'wait')) ctx.warn(`Registering is still on-going. You can monitor using 'az provider show -n ${ns}'`);
      return null;
    },
  },
  {
    path: 'feature show',
    args: [
      { names: '--namespace', required: true },
      { names: '--name -n', required: true },
    ],
    run: (ctx, a) => featureView(ctx, str(a, 'namespace')!, str(a, 'name')!),
  },
  {
    path: 'feature register',
    args: [
      { names: '--namespace', required: true },
      { names: '--name -n', required: true },
    ],
    run: (ctx, a) => {
      const ns = str(a, 'namespace')!;
      const name = str(a, 'name')!;
      const key = `${ctx.sub.id}/${ns}/${name}`.toLowerCase();
      if (ctx.world.features[key] !== 'Registered') {
        // Registration completes later in Azure; the sandbox makes it Registered at once but
        // prints what Azure prints for a fresh registration.
        ctx.world.features[key] = 'Registered';
        ctx.markDirty();
      }
      ctx.warn(
        `Once the feature '${name}' is registered, invoking 'az provider register -n ${ns}' is required to get the change propagated`,
      );
      return featureView(ctx, ns, name);
    },
  },
  {
    path: 'group show',
    args: [{ names: '--name -n --resource-group -g', dest: 'name', required: true }],
    run: (ctx, a) => {
      const rg = getRg(ctx.world, ctx.sub.id, str(a, 'name')!);
      if (!rg) throw resourceGroupNotFound(str(a, 'name')!);
      return flatten(rg, { keepProperties: true });
    },
  },
  {
    path: 'group exists',
    args: [{ names: '--name -n --resource-group -g', dest: 'name', required: true }],
    run: (ctx, a) => getRg(ctx.world, ctx.sub.id, str(a, 'name')!) !== undefined,
  },
  {
    path: 'group list',
    args: [{ names: '--tag' }],
    run: (ctx, a) => {
      const tag = str(a, 'tag');
      const eq = tag?.indexOf('=') ?? -1;
      const [name, value] = tag === undefined ? [] : eq >= 0 ? [tag.slice(0, eq), tag.slice(eq + 1)] : [tag];
      return listByType(ctx.world, 'Microsoft.Resources/resourceGroups', ctx.sub.id)
        .filter((r) => name === undefined || (value === undefined ? r.tags?.[name] !== undefined : r.tags?.[name] === value))
        .map((r) => flatten(r, { keepProperties: true }));
    },
  },
  {
    path: 'group create',
    args: [
      { names: '--name -n --resource-group -g', dest: 'name', required: true },
      { names: '--location -l', required: true },
      { names: '--tags', kind: 'list' },
      { names: '--managed-by' },
    ],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      const existing = getRg(ctx.world, ctx.sub.id, name);
      if (existing && existing.location !== str(a, 'location')) {
        throw armError(
          'InvalidResourceGroupLocation',
          `Invalid resource group location '${str(a, 'location')}'. The Resource group already exists in location '${existing.location}'.`,
        );
      }
      const rg = createResourceGroup(
        ctx.world,
        ctx.sub.id,
        existing?.name ?? name,
        str(a, 'location')!,
        ctx.now(),
        parseTags(list(a, 'tags')),
      );
      ctx.markDirty();
      return flatten(rg, { keepProperties: true });
    },
  },
  {
    path: 'group delete',
    args: [
      { names: '--name -n --resource-group -g', dest: 'name', required: true },
      { names: '--yes -y', kind: 'flag' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      if (!bool(a, 'yes')) throw noTtyCancelled();
      const rg = getRg(ctx.world, ctx.sub.id, str(a, 'name')!);
      if (!rg) throw resourceGroupNotFound(str(a, 'name')!);
      deleteResource(ctx.world, rg.id);
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'extension show',
    args: [{ names: '--name -n', required: true }],
    run: (ctx, a) => {
      const v = ctx.world.extensions[str(a, 'name')!];
      if (!v) throw cliError(`The extension ${str(a, 'name')} is not installed.`);
      return { experimental: false, extensionType: 'whl', name: str(a, 'name'), preview: true, version: v };
    },
  },
  {
    path: 'extension list',
    args: [],
    run: (ctx) =>
      Object.entries(ctx.world.extensions).map(([name, version]) => ({
        experimental: false,
        extensionType: 'whl',
        name,
        preview: true,
        version,
      })),
  },
  {
    path: 'extension add',
    args: [
      { names: '--name -n', required: true },
      { names: '--upgrade', kind: 'flag' },
      { names: '--yes -y', kind: 'flag' },
      { names: '--allow-preview', kind: 'bool' },
    ],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      if (name !== 'aks-preview') throw cliError(`No matching extensions for '${name}'. Use --debug for more information.`);
      if (ctx.world.extensions[name] && !bool(a, 'upgrade')) {
        ctx.warn(`Extension '${name}' is already installed.`);
        return null;
      }
      ctx.world.extensions[name] = '13.0.0b7';
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'extension remove',
    args: [{ names: '--name -n', required: true }],
    run: (ctx, a) => {
      delete ctx.world.extensions[str(a, 'name')!];
      ctx.markDirty();
      return null;
    },
  },
];

function featureView(ctx: Parameters<AzCommand['run']>[0], ns: string, name: string): Record<string, unknown> {
  const state = ctx.world.features[`${ctx.sub.id}/${ns}/${name}`.toLowerCase()] ?? 'NotRegistered';
  return {
    id: `${subId(ctx.sub.id)}/providers/Microsoft.Features/providers/${ns}/features/${name}`,
    name: `${ns}/${name}`,
    properties: { state },
    type: 'Microsoft.Features/providers/features',
  };
}

function notFoundGraph(id: string): never {
  throw new ToolError(`ERROR: Resource '${id}' does not exist or one of its queried reference-property objects are not present.\n`, 3);
}

export { addSubscription };
