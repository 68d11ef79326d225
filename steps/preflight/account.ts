import type { CommandRunner } from '../../runner/command-types.js';
import { parseJson, stringProp } from '../_shared/json.js';
import { tsvValue } from '../_shared/tsv.js';

export interface Account {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly callerObjectId: string;
  readonly callerType: 'User' | 'ServicePrincipal';
}

/** `az account show` (naming the subscription when the answer gives one), then the caller's object id. */
export async function readAccount(cmd: CommandRunner, subscriptionAnswer: string | undefined): Promise<Account> {
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
  if (userType === 'user') {
    const me = await cmd.run(['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'], { mutates: false, capture: 'callerObjectId' });
    return { subscriptionId, tenantId, callerObjectId: tsvValue(me.stdout), callerType: 'User' };
  }
  if (userName === 'systemAssignedIdentity' || userName === 'userAssignedIdentity') {
    throw new Error('Logged in with a managed identity: its object id cannot be looked up from `az account show`. Log in as a user or a service principal (`az login --service-principal`).');
  }
  const sp = await cmd.run(['az', 'ad', 'sp', 'show', '--id', userName, '--query', 'id', '-o', 'tsv'], { mutates: false, capture: 'callerObjectId' });
  return { subscriptionId, tenantId, callerObjectId: tsvValue(sp.stdout), callerType: 'ServicePrincipal' };
}
