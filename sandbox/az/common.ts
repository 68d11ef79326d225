import type { ArmResource } from '../world/model.js';
import { getRg } from '../world/resources.js';
import type { AzCtx } from './context.js';
import { armError, resourceGroupNotFound } from './errors.js';
import { rbacAllows, type Perm } from '../world/rbac.js';

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

/**
 * ARM's authorization check for control-plane writes the caller's roles may not cover
 * (role assignments and policies: Contributor cannot). Assignments count once propagated.
 */
export function requireControlPlane(
  ctx: AzCtx,
  perm: Extract<Perm, 'authorization/write' | 'policy/write'>,
  action: string,
  scope: string,
): void {
  if (rbacAllows(ctx.world, ctx.caller.objectId, perm, scope, ctx.now(), ctx.latency.ms('rbacPropagation'))) return;
  throw armError(
    'AuthorizationFailed',
    `The client '${ctx.caller.name}' with object id '${ctx.caller.objectId}' does not have authorization ` +
      `to perform action '${action}' over scope '${scope}' ` +
      'or the scope is invalid. If access was recently granted, please refresh your credentials.',
  );
}
