import { describe, expect, it } from 'vitest';
import { ratifyIdentity } from '../../steps/ratify-identity.js';
import { azArgv, fakeContext, SUB, type ScriptEntry } from '../helpers/step-context.js';
import { ACR_ID, answers, ISSUER, KV_ID, outputs, RG_ID } from './fixtures.js';

const ID = `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ratify-identity`;
const FIC_ID = `${ID}/federatedIdentityCredentials/ratify-federated-credential`;
const FIC = { id: FIC_ID, properties: { issuer: ISSUER, subject: 'system:serviceaccount:gatekeeper-system:ratify-admin' } };
const IDENTITY = { id: ID, properties: { clientId: 'client-1', principalId: 'object-1' } };
/** The registry, found by name among the subscription's resources. */
const REGISTRIES = {
  [`/subscriptions/${SUB}/resources?$filter=resourceType eq 'Microsoft.ContainerRegistry/registries' and name eq 'myregistry4ratify'`]: [
    { id: ACR_ID, name: 'myregistry4ratify' },
  ],
};
const ROLE = { acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d', secretsUser: '4633458b-17de-408a-b874-0445c86b69e6' };
/** Role assignments of the identity as ARM lists them at a scope. */
const roles = (scope: string, ...guids: string[]) => ({
  [`${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq 'object-1'`]: guids.map((g, i) => ({
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${i}`,
    properties: {
      scope,
      principalId: 'object-1',
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${g}`,
    },
  })),
});
const base: ScriptEntry[] = [];

describe('ratify-identity', () => {
  it('rbac: identity without -l guesswork, AcrPull + Key Vault Secrets User as ServicePrincipal, the FIC, then waits', async () => {
    // Missing, then created; the grants and the FIC appear once created (the wait reads them back).
    const granted = (): boolean => f.created.some((c) => c.kind === 'roleAssignment');
    const once = (listed: Record<string, readonly unknown[]>) =>
      Object.fromEntries(Object.entries(listed).map(([k, v]) => [k, () => (granted() ? v : [])]));
    const f = fakeContext({
      stepId: 'ratify-identity',
      answers,
      outputs,
      azure: { [ID]: [undefined, IDENTITY], [FIC_ID]: [undefined, FIC] },
      azureLists: { ...REGISTRIES, ...once(roles(ACR_ID, ROLE.acrPull)), ...once(roles(KV_ID, ROLE.secretsUser)) },
      script: [{ prefix: ['az', 'role', 'assignment', 'create'], result: { stdout: '/ra/x\n' } }],
    });
    expect(await ratifyIdentity.run(f.ctx)).toEqual({ identityClientId: 'client-1', identityObjectId: 'object-1' });
    // Every read is an ARM GET: only the writes start az.
    expect(f.processes()).toEqual(f.mutating());
    const m = f.mutating();
    expect(m[0]).toEqual(
      azArgv(
        'identity',
        'create',
        '-n',
        'ratify-identity',
        '-g',
        'myResourceGroup',
        '-l',
        'eastus',
        '--tags',
        'ratify-runbook-run=run1',
        '-o',
        'none',
      ),
    );
    const grant = (role: string, scope: string) =>
      azArgv(
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        'object-1',
        '--assignee-principal-type',
        'ServicePrincipal',
        '--role',
        role,
        '--scope',
        scope,
        '--description',
        'ratify-runbook-run=run1',
        '--query',
        'id',
        '-o',
        'tsv',
      );
    expect(m).toContainEqual(grant('AcrPull', ACR_ID));
    expect(m).toContainEqual(grant('Key Vault Secrets User', KV_ID));
    expect(m).toContainEqual(
      azArgv(
        'identity',
        'federated-credential',
        'create',
        '--name',
        'ratify-federated-credential',
        '--identity-name',
        'ratify-identity',
        '-g',
        'myResourceGroup',
        '--issuer',
        ISSUER,
        '--subject',
        'system:serviceaccount:gatekeeper-system:ratify-admin',
        '--audiences',
        'api://AzureADTokenExchange',
        '-o',
        'none',
      ),
    );
    expect(JSON.stringify(m)).not.toContain('Key Vault Reader');
    expect(f.created.map((c) => c.kind)).toEqual(['identity', 'roleAssignment', 'roleAssignment', 'federatedCredential']);
    // The two grants and the credential are independent: all three start before any is recorded.
    const firstGrantRecorded = f.events.indexOf('created roleAssignment');
    const started = f.events.slice(0, firstGrantRecorded).filter((e) => / (role assignment|identity federated-credential) create /.test(e));
    expect(started).toHaveLength(3);
  });

  it('a failed grant fails the step only once the others are made and recorded', async () => {
    const f = fakeContext({
      stepId: 'ratify-identity',
      answers,
      outputs,
      azure: { [ID]: IDENTITY, [FIC_ID]: [undefined, FIC] },
      azureLists: { ...REGISTRIES, ...roles(ACR_ID), ...roles(KV_ID) },
      script: [
        { prefix: ['az', 'role', 'assignment', 'create'], has: ['AcrPull'], result: { exitCode: 1, stderr: 'AuthorizationFailed' } },
        { prefix: ['az', 'role', 'assignment', 'create'], result: { stdout: '/ra/kv\n' } },
      ],
    });
    await expect(ratifyIdentity.run(f.ctx)).rejects.toThrow(/AuthorizationFailed/);
    expect(f.created.map((c) => c.kind)).toEqual(['roleAssignment', 'federatedCredential']);
  });

  it('access-policy: secrets get instead of a role', async () => {
    const vault = (permissions?: Record<string, string[]>) => ({
      id: KV_ID,
      properties: { accessPolicies: permissions ? [{ objectId: 'object-1', permissions }] : [] },
    });
    const f = fakeContext({
      stepId: 'ratify-identity',
      answers: { ...answers, keyVaultAuth: 'access-policy' },
      outputs,
      azure: { [ID]: IDENTITY, [FIC_ID]: FIC, [KV_ID]: [vault(), vault(), vault({ secrets: ['get'] })] },
      azureLists: { ...REGISTRIES, ...roles(ACR_ID, ROLE.acrPull) },
      script: [...base],
    });
    await ratifyIdentity.run(f.ctx);
    expect(f.mutating()).toEqual([
      azArgv(
        'keyvault',
        'set-policy',
        '-n',
        'ratify-demo-kv',
        '-g',
        'myResourceGroup',
        '--object-id',
        'object-1',
        '--secret-permissions',
        'get',
        '-o',
        'none',
      ),
    ]);
  });

  it('check: done when identity, grants and FIC match; not done when the issuer changed', async () => {
    const azureLists = { ...REGISTRIES, ...roles(ACR_ID, ROLE.acrPull), ...roles(KV_ID, ROLE.secretsUser) };
    const done = fakeContext({ stepId: 'ratify-identity', answers, outputs, azure: { [ID]: IDENTITY, [FIC_ID]: FIC }, azureLists });
    expect(await ratifyIdentity.check(done.ctx)).toEqual({ identityClientId: 'client-1', identityObjectId: 'object-1' });
    expect(done.processes()).toEqual([]);
    const staleFic = { ...FIC, properties: { ...FIC.properties, issuer: 'https://old/' } };
    const stale = fakeContext({ stepId: 'ratify-identity', answers, outputs, azure: { [ID]: IDENTITY, [FIC_ID]: staleFic }, azureLists });
    expect(await ratifyIdentity.check(stale.ctx)).toBeUndefined();
  });

  it('teardown: FIC, role assignments and identity by recorded id, newest first', async () => {
    const sub = '00000000-1111-2222-3333-444444444444';
    const f = fakeContext({
      stepId: 'ratify-identity',
      answers,
      outputs,
      createdBefore: [
        { kind: 'identity', id: ID },
        { kind: 'roleAssignment', id: `/subscriptions/${sub}/ra/1` },
        {
          kind: 'federatedCredential',
          id: 'ratify-identity/ratify-federated-credential',
          details: {
            subscription: sub,
            name: 'ratify-federated-credential',
            identityName: 'ratify-identity',
            resourceGroup: 'myResourceGroup',
          },
        },
      ],
    });
    await ratifyIdentity.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([
      azArgv(
        'identity',
        'federated-credential',
        'delete',
        '--name',
        'ratify-federated-credential',
        '--identity-name',
        'ratify-identity',
        '-g',
        'myResourceGroup',
        '--yes',
      ),
      azArgv('role', 'assignment', 'delete', '--ids', `/subscriptions/${sub}/ra/1`),
      azArgv('identity', 'delete', '--ids', ID),
    ]);
  });
});
