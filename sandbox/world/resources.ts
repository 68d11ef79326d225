import type { ArmResource, World } from './model.js';
import { rawOf } from './tracked.js';

/** ARM id helpers. Ids are stored as ARM returns them; lookups are case-insensitive like ARM. */
export const subId = (sub: string): string => `/subscriptions/${sub}`;
export const rgId = (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`;
export const resourceId = (sub: string, rg: string, provider: string, type: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${type}/${name}`;

export const getResource = (world: World, id: string): ArmResource | undefined => world.arm[id.toLowerCase().replace(/\/+$/, '')];

export function putResource(world: World, res: ArmResource): ArmResource {
  world.arm[res.id.toLowerCase()] = res;
  return res;
}

export function deleteResource(world: World, id: string): boolean {
  const key = id.toLowerCase();
  if (!world.arm[key]) return false;
  // Child and extension resources (federated credentials, role assignments at this scope) go too,
  // and so does the data plane behind them: deleting a resource group or a cluster takes its
  // Kubernetes objects with it, deleting a registry its repositories.
  for (const k of Object.keys(world.arm)) {
    if (k !== key && !k.startsWith(key + '/')) continue;
    const type = world.arm[k]?.type.toLowerCase();
    if (type === 'microsoft.containerservice/managedclusters') delete world.clusters[k];
    if (type === 'microsoft.containerregistry/registries') delete world.registries[(world.arm[k]?.name ?? '').toLowerCase()];
    delete world.arm[k];
  }
  return true;
}

export const getRg = (world: World, sub: string, rg: string): ArmResource | undefined => getResource(world, rgId(sub, rg));

export function listByType(world: World, type: string, sub?: string): ArmResource[] {
  const t = type.toLowerCase();
  const prefix = sub ? subId(sub).toLowerCase() + '/' : '';
  // Filtered on the raw world (most calls run this, and a read through the change-tracking view
  // costs a proxy per resource); the matches are returned through the view, to write through.
  const arm = world.arm;
  const raw = rawOf(arm);
  const out: ArmResource[] = [];
  for (const k of Object.keys(raw)) if (raw[k]!.type.toLowerCase() === t && k.startsWith(prefix)) out.push(arm[k]!);
  return out;
}

/** The resource group named in an id (`/resourceGroups/<rg>/`), as the CLI adds it. */
export function rgOf(id: string): string | undefined {
  const m = /\/resourcegroups\/([^/]+)/i.exec(id);
  return m?.[1];
}

export const subOf = (id: string): string | undefined => /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];

/** The ARM JSON as served by the ARM endpoint (no sandbox bookkeeping). */
export function armView(res: ArmResource): Record<string, unknown> {
  const { meta: _meta, ...rest } = res;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

/** What `az` prints for most resource types: `properties` hoisted, `resourceGroup` added. */
export function flatten(res: ArmResource, opts: { keepProperties?: boolean } = {}): Record<string, unknown> {
  const view = armView(res);
  let out: Record<string, unknown> = view;
  if (!opts.keepProperties) {
    const { properties, ...rest } = view;
    out = { ...rest, ...(properties as Record<string, unknown>) };
  }
  const rg = rgOf(res.id);
  if (rg && res.type.toLowerCase() !== 'microsoft.resources/resourcegroups') out.resourceGroup = rg;
  return out;
}
