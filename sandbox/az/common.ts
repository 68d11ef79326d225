import type { ArmResource } from '../world/model.js';
import { getRg } from '../world/resources.js';
import type { AzCtx } from './context.js';
import { resourceGroupNotFound } from './errors.js';

export function requireRg(ctx: AzCtx, rg: string): ArmResource {
  const res = getRg(ctx.world, ctx.sub.id, rg);
  if (!res) throw resourceGroupNotFound(rg);
  return res;
}

/** `--tags a=b c=d` -> object. */
export function parseTags(tags: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    const eq = t.indexOf('=');
    if (eq < 0) out[t] = '';
    else out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

export const createdBy = (ctx: AzCtx, now: number): Record<string, unknown> => ({
  createdAt: new Date(now).toISOString(),
  createdBy: ctx.caller.name,
  createdByType: 'User',
  lastModifiedAt: new Date(now).toISOString(),
  lastModifiedBy: ctx.caller.name,
  lastModifiedByType: 'User',
});
