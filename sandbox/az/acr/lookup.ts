import type { ToolError } from '../../tool-result.js';
import { hex } from '../../world/ids.js';
import type { ArmResource, RegistryData } from '../../world/model.js';
import { findRegistry } from '../../world/seed.js';
import type { AzCtx } from '../context.js';
import { cliError } from '../errors.js';

/** What every acr verb group needs: the registry by name (or login server), its data-plane store, image references. */

export function requireRegistry(ctx: AzCtx, name: string): ArmResource {
  const n = name.toLowerCase().replace(/\.azurecr\.io$/, '');
  if (n !== name.toLowerCase()) ctx.warn("The login server endpoint suffix '.azurecr.io' is automatically omitted.");
  const r = findRegistry(ctx.world, n);
  if (!r || !r.id.toLowerCase().startsWith(`/subscriptions/${ctx.sub.id}/`.toLowerCase())) {
    throw cliError(
      `The resource with name '${n}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${ctx.sub.name} (${ctx.sub.id})'.`,
    );
  }
  return r;
}

export const registryData = (world: AzCtx['world'], name: string): RegistryData =>
  (world.registries[name.toLowerCase()] ??= { repositories: {}, runCounter: 0 });

export const loginServerOf = (r: ArmResource): string => String(r.properties.loginServer);

/** ACR data-plane errors as az prints them: `Error: <message>. Correlation ID: <id>.`, exit 1. */
export const registryError = (message: string): ToolError =>
  cliError(`Error: ${message}. Correlation ID: ${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}.`);

/** `app:v1`, `app@sha256:..`, `acr1.azurecr.io/app:v1` -> parts. */
export function parseImage(ref: string, loginServer?: string): { repo: string; tag?: string; digest?: string } {
  let r = ref;
  if (loginServer && r.toLowerCase().startsWith(loginServer.toLowerCase() + '/')) r = r.slice(loginServer.length + 1);
  const at = r.indexOf('@');
  if (at >= 0) return { repo: r.slice(0, at), digest: r.slice(at + 1) };
  const colon = r.lastIndexOf(':');
  if (colon > r.lastIndexOf('/')) return { repo: r.slice(0, colon), tag: r.slice(colon + 1) };
  return { repo: r };
}
