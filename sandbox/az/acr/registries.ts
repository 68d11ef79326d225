import { signJwt } from '../../jwt.js';
import { hex } from '../../world/ids.js';
import { flatten } from '../../world/resources.js';
import { createRegistry, findRegistry } from '../../world/seed.js';
import { bool, list, str } from '../args.js';
import { parseTags, requireRg } from '../common.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { loginServerOf, requireRegistry } from './lookup.js';

/** The registry resource itself: show, list, create, and login (token only: the sandbox has no Docker daemon). */

export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

export const registryCommands: AzCommand[] = [
  {
    path: 'acr show',
    args: [{ names: '--name -n', required: true }, { names: '--resource-group -g' }],
    run: (ctx, a) => flatten(requireRegistry(ctx, str(a, 'name')!)),
  },
  {
    path: 'acr list',
    args: [{ names: '--resource-group -g' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      return Object.values(ctx.world.arm)
        .filter(
          (r) =>
            r.type === 'Microsoft.ContainerRegistry/registries' &&
            r.id.toLowerCase().startsWith(`/subscriptions/${ctx.sub.id}/`.toLowerCase()) &&
            (!rg || r.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`)),
        )
        .map((r) => flatten(r));
    },
  },
  {
    path: 'acr create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--sku', required: true, choices: ['Basic', 'Standard', 'Premium'] },
      { names: '--location -l' },
      { names: '--tags', kind: 'list' },
      { names: '--admin-enabled', kind: 'bool' },
    ],
    run: async (ctx, a) => {
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const name = str(a, 'name')!;
      if (!/^[a-zA-Z0-9]{5,50}$/.test(name))
        throw cliError(`Registry names may contain only alpha numeric characters and must be between 5 and 50 characters`);
      const existing = findRegistry(ctx.world, name);
      if (existing && !existing.id.toLowerCase().includes(`/resourcegroups/${rg.name.toLowerCase()}/`)) {
        throw cliError(
          `The registry DNS name ${name.toLowerCase()}.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability`,
        );
      }
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const r =
        existing ??
        createRegistry(
          ctx.world,
          ctx.sub.id,
          rg.name,
          name,
          str(a, 'location') ?? rg.location ?? 'eastus',
          ctx.now(),
          parseTags(list(a, 'tags')),
          str(a, 'sku'),
        );
      ctx.markDirty();
      return flatten(r);
    },
  },
  {
    path: 'acr login',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--expose-token -t', kind: 'flag' },
      { names: '--username -u' },
      { names: '--password -p' },
      { names: '--suffix' },
    ],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      const server = loginServerOf(reg);
      if (bool(a, 'exposeToken') && (str(a, 'username') || str(a, 'password')))
        throw cliError('`--expose-token` cannot be combined with `--username` or `--password`.');
      if (!bool(a, 'exposeToken')) {
        // No Docker daemon in the sandbox, as on most CI machines (docs/errata.md#registry-credentials).
        throw cliError(
          `2025-01-01 00:00:00.000000 An error occurred: DOCKER_COMMAND_ERROR\nPlease verify if Docker client is installed and running.\nYou may want to use 'az acr login -n ${reg.name} --expose-token' to get an access token, which does not require Docker to be installed.`,
        );
      }
      const token = signJwt(
        {
          aud: server,
          oid: ctx.caller.objectId,
          tid: ctx.world.tenant.id,
          exp: Math.floor(ctx.now() / 1000) + 3 * 3600,
          grant_type: 'refresh_token',
          permissions: { actions: ['read', 'write', 'delete'] },
          jti: hex(16),
        },
        ctx.world.tokenKey,
      );
      ctx.warn(
        'Note: The token in both the accessToken and refreshToken fields is an ACR Refresh Token, not an ACR Access Token. This ACR Refresh Token cannot be used directly to authenticate with registry APIs such as pushing/pulling images and listing repositories/tags. This ACR Refresh Token must be subsequently exchanged for an ACR Access.Please see https://aka.ms/acr/auth/oauth',
      );
      ctx.warn(
        `You can perform manual login using the provided refresh token below, for example: 'docker login loginServer -u ${ACR_TOKEN_USER} -p refreshToken'`,
      );
      return { accessToken: token, loginServer: server, refreshToken: token, username: ACR_TOKEN_USER };
    },
  },
];
