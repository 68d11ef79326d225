import type { ArmResource } from '../world/model.js';
import { flatten, rgOf } from '../world/resources.js';
import { str } from './args.js';
import { cliError } from './errors.js';
import type { AzCommand } from './registry.js';

/** `az resource list`: the generic view of tracked resources (what ARM's `/resources` lists). */
const tracked = (r: ArmResource): boolean =>
  /\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i.test(r.id) && !/\/microsoft\.authorization\//i.test(r.id);

function generic(r: ArmResource): Record<string, unknown> {
  return {
    extendedLocation: null,
    id: r.id,
    identity: r.identity ?? null,
    kind: null,
    location: r.location ?? null,
    managedBy: null,
    name: r.name,
    plan: null,
    properties: null,
    provisioningState: flatten(r).provisioningState ?? 'Succeeded',
    resourceGroup: rgOf(r.id) ?? null,
    sku: r.sku ?? null,
    tags: r.tags ?? {},
    type: r.type,
  };
}

export const resourceCommands: AzCommand[] = [
  {
    path: 'resource list',
    args: [
      { names: '--tag' },
      { names: '--resource-group -g' },
      { names: '--resource-type' },
      { names: '--name -n' },
      { names: '--location -l' },
    ],
    run: (ctx, a) => {
      const tag = str(a, 'tag');
      const eq = tag?.indexOf('=') ?? -1;
      const [tagName, tagValue] = tag === undefined ? [] : eq >= 0 ? [tag.slice(0, eq), tag.slice(eq + 1)] : [tag];
      if (tag !== undefined && !tagName) throw cliError('--tag: expected KEY[=VALUE]');
      const rg = str(a, 'resourceGroup')?.toLowerCase();
      const type = str(a, 'resourceType')?.toLowerCase();
      const name = str(a, 'name')?.toLowerCase();
      const prefix = `/subscriptions/${ctx.sub.id}/`.toLowerCase();
      return Object.values(ctx.world.arm)
        .filter((r) => tracked(r) && r.id.toLowerCase().startsWith(prefix))
        .filter((r) => (rg === undefined || rgOf(r.id)?.toLowerCase() === rg) && (type === undefined || r.type.toLowerCase() === type))
        .filter((r) => name === undefined || r.name.toLowerCase() === name)
        .filter((r) => tagName === undefined || (tagValue === undefined ? r.tags?.[tagName] !== undefined : r.tags?.[tagName] === tagValue))
        .map(generic);
    },
  },
];
