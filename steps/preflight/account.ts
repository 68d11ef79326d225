import type { StepContext } from '../../runner/step.js';
import { parseJson, stringProp } from '../_shared/json.js';
import { tsvValue } from '../_shared/tsv.js';

export interface Account {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly callerObjectId: string;
  readonly callerType: 'User' | 'ServicePrincipal';
}

/**
 * `az account show` (naming the subscription when the answer gives one), then the caller's
 * object id: from the ARM token itself (its oid), which is what `az ad signed-in-user show`
 * (or `az ad sp show`) would print, without a Graph call; those commands otherwise.
 */
export async function readAccount(
  ctx: Pick<StepContext, 'cmd' | 'azure' | 'mode'>,
  subscriptionAnswer: string | undefined,
): Promise<Account> {
  const cmd = ctx.cmd;
  const argv = ['az', 'account', 'show', '-o', 'json', ...(subscriptionAnswer ? ['--subscription', subscriptionAnswer] : [])];
  const planStdout = JSON.stringify({
    id: subscriptionAnswer || '<preflight.subscriptionId>',
    tenantId: '<preflight.tenantId>',
    user: { name: '<preflight.callerName>', type: 'user' },
  });
  const shown = await cmd.run(argv, { mutates: false, planStdout });
  const account = parseJson<unknown>(shown.stdout, 'az account show');
  const subscriptionId = stringProp(account, 'id') ?? '';
  const tenantId = stringProp(account, 'tenantId') ?? '';
  const userName = stringProp(account, 'user', 'name') ?? '';
  const userType = stringProp(account, 'user', 'type') ?? '';

  // `az ad signed-in-user show` only works for a user login ("/me request is only valid with
  // delegated authentication flow" otherwise): branch on user.type.
  // Microsoft Graph is tenant-scoped, so these two take no --subscription.
  const meArgv = ['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'];
  const spArgv = ['az', 'ad', 'sp', 'show', '--id', userName, '--query', 'id', '-o', 'tsv'];
  const shows = [{ argv: userType === 'user' ? meArgv : spArgv, capture: 'callerObjectId' }];
  const fromToken = await ctx.azure.caller({ shows });
  if (fromToken) return { subscriptionId, tenantId, callerObjectId: fromToken.objectId, callerType: fromToken.type };
  if (ctx.mode === 'plan') {
    const callerType = userType === 'user' ? 'User' : 'ServicePrincipal';
    return { subscriptionId, tenantId, callerObjectId: '<preflight.callerObjectId>', callerType };
  }
  if (userType === 'user') {
    const me = await cmd.run(meArgv, { mutates: false, capture: 'callerObjectId' });
    return { subscriptionId, tenantId, callerObjectId: tsvValue(me.stdout), callerType: 'User' };
  }
  if (userName === 'systemAssignedIdentity' || userName === 'userAssignedIdentity') {
    throw new Error(
      'Logged in with a managed identity: its object id cannot be looked up from `az account show`. Log in as a user or a service principal (`az login --service-principal`).',
    );
  }
  const sp = await cmd.run(spArgv, { mutates: false, capture: 'callerObjectId' });
  return { subscriptionId, tenantId, callerObjectId: tsvValue(sp.stdout), callerType: 'ServicePrincipal' };
}
