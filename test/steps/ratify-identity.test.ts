import { describe, expect, it } from 'vitest';
import { ratifyIdentity } from '../../steps/ratify-identity.js';
import { azArgv, fakeContext, type ScriptEntry } from '../helpers/step-context.js';
import { ACR_ID, answers, ISSUER, KV_ID, outputs, RG_ID } from './fixtures.js';

const ID = `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ratify-identity`;
const FIC = { issuer: ISSUER, subject: 'system:serviceaccount:gatekeeper-system:ratify-admin' };
const base: ScriptEntry[] = [
  { prefix: ['az', 'identity', 'show'], has: ['clientId'], result: { stdout: 'client-1\n' } },
  { prefix: ['az', 'identity', 'show'], has: ['principalId'], result: { stdout: 'object-1\n' } },
  { prefix: ['az', 'acr', 'show'], result: { stdout: `${ACR_ID}\n` } },
];

describe('ratify-identity', () => {
  it('rbac: identity without -l guesswork, AcrPull + Key Vault Secrets User as ServicePrincipal, the FIC, then waits', async () => {
    const f = fakeContext({
      stepId: 'ratify-identity', answers, outputs,
      script: [...base,
        { prefix: ['az', 'role', 'assignment', 'list'], result: [{ stdout: '' }, { stdout: '' }, { stdout: 'AcrPull\nKey Vault Secrets User\n' }] },
        { prefix: ['az', 'identity', 'federated-credential', 'show'], result: [{ exitCode: 3, stderr: 'ResourceNotFound' }, { stdout: JSON.stringify(FIC) }] },
        { prefix: ['az', 'role', 'assignment', 'create'], result: { stdout: '/ra/x\n' } }],
    });
    expect(await ratifyIdentity.run(f.ctx)).toEqual({ identityClientId: 'client-1', identityObjectId: 'object-1' });
    const m = f.mutating();
    expect(m[0]).toEqual(azArgv('identity', 'create', '-n', 'ratify-identity', '-g', 'myResourceGroup', '-l', 'eastus', '--tags', 'ratify-runbook-run=run1', '-o', 'none'));
    const grant = (role: string, scope: string) => azArgv('role', 'assignment', 'create', '--assignee-object-id', 'object-1',
      '--assignee-principal-type', 'ServicePrincipal', '--role', role, '--scope', scope, '--description', 'ratify-runbook-run=run1',
      '--query', 'id', '-o', 'tsv');
    expect(m).toContainEqual(grant('AcrPull', ACR_ID));
    expect(m).toContainEqual(grant('Key Vault Secrets User', KV_ID));
    expect(m).toContainEqual(azArgv('identity', 'federated-credential', 'create', '--name', 'ratify-federated-credential', '--identity-name', 'ratify-identity', '-g', 'myResourceGroup',
      '--issuer', ISSUER, '--subject', 'system:serviceaccount:gatekeeper-system:ratify-admin', '--audiences', 'api://AzureADTokenExchange', '-o', 'none'));
    expect(JSON.stringify(m)).not.toContain('Key Vault Reader');
    expect(f.created.map((c) => c.kind)).toEqual(['identity', 'roleAssignment', 'roleAssignment', 'federatedCredential']);
  });

  it('access-policy: secrets get instead of a role', async () => {
    const f = fakeContext({
      stepId: 'ratify-identity', answers: { ...answers, keyVaultAuth: 'access-policy' }, outputs, azure: { [ID]: { id: ID } },
      script: [...base,
        { prefix: ['az', 'role', 'assignment', 'list'], result: { stdout: 'AcrPull\n' } },
        { prefix: ['az', 'keyvault', 'show'], result: [{ stdout: '' }, { stdout: '' }, { stdout: '{"secrets":["get"]}' }] },
        { prefix: ['az', 'identity', 'federated-credential', 'show'], result: { stdout: JSON.stringify(FIC) } }],
    });
    await ratifyIdentity.run(f.ctx);
    expect(f.mutating()).toEqual([
      azArgv('keyvault', 'set-policy', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup', '--object-id', 'object-1', '--secret-permissions', 'get', '-o', 'none'),
    ]);
  });

  it('check: done when identity, grants and FIC match; not done when the issuer changed', async () => {
    const azure = { [ID]: { id: ID, properties: { clientId: 'client-1', principalId: 'object-1' } } };
    const grants: ScriptEntry[] = [...base, { prefix: ['az', 'role', 'assignment', 'list'], result: { stdout: 'AcrPull\nKey Vault Secrets User\n' } }];
    const done = fakeContext({ stepId: 'ratify-identity', answers, outputs, azure, script: [...grants, { prefix: ['az', 'identity', 'federated-credential', 'show'], result: { stdout: JSON.stringify(FIC) } }] });
    expect(await ratifyIdentity.check(done.ctx)).toEqual({ identityClientId: 'client-1', identityObjectId: 'object-1' });
    const stale = fakeContext({ stepId: 'ratify-identity', answers, outputs, azure, script: [...grants, { prefix: ['az', 'identity', 'federated-credential', 'show'], result: { stdout: JSON.stringify({ ...FIC, issuer: 'https://old/' }) } }] });
    expect(await ratifyIdentity.check(stale.ctx)).toBeUndefined();
  });

  it('teardown: FIC, role assignments and identity by recorded id, newest first', async () => {
    const sub = '00000000-1111-2222-3333-444444444444';
    const f = fakeContext({ stepId: 'ratify-identity', answers, outputs, createdBefore: [
      { kind: 'identity', id: ID },
      { kind: 'roleAssignment', id: `/subscriptions/${sub}/ra/1` },
      { kind: 'federatedCredential', id: 'ratify-identity/ratify-federated-credential', details: { subscription: sub, name: 'ratify-federated-credential', identityName: 'ratify-identity', resourceGroup: 'myResourceGroup' } },
    ] });
    await ratifyIdentity.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([
      azArgv('identity', 'federated-credential', 'delete', '--name', 'ratify-federated-credential', '--identity-name', 'ratify-identity', '-g', 'myResourceGroup', '--yes'),
      azArgv('role', 'assignment', 'delete', '--ids', `/subscriptions/${sub}/ra/1`),
      azArgv('identity', 'delete', '--ids', ID),
    ]);
  });
});
