import { describe, expect, it } from 'vitest';
import { signerAccess } from '../../steps/signer-access.js';
import { azArgv, fakeContext } from '../helpers/step-context.js';
import { answers, CALLER, KV_ID, outputs } from './fixtures.js';

const ASSIGNMENTS = `${KV_ID}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '${CALLER}'`;
const ROLE = { officer: 'a4417e6f-fecd-4de8-b567-7b0420556985', crypto: '12338af0-0e69-4776-bea7-57ae8d297424' };
/** Role assignments as ARM lists them at the vault scope. */
const assigned = (...guids: string[]) => ({
  [ASSIGNMENTS]: guids.map((g, i) => ({
    id: `${KV_ID}/providers/Microsoft.Authorization/roleAssignments/${i}`,
    properties: {
      scope: KV_ID,
      principalId: CALLER,
      roleDefinitionId: `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/${g}`,
    },
  })),
});
/** The vault as ARM returns it, with the caller's access policy entry. */
const vaultWith = (permissions: Record<string, string[]>) => ({
  [KV_ID]: { id: KV_ID, properties: { accessPolicies: [{ objectId: CALLER, permissions }] } },
});
const listRoles = azArgv(
  'role',
  'assignment',
  'list',
  '--assignee',
  CALLER,
  '--scope',
  KV_ID,
  '--query',
  '[].roleDefinitionName',
  '-o',
  'tsv',
);
const showPolicy = azArgv(
  'keyvault',
  'show',
  '-n',
  'ratify-demo-kv',
  '-g',
  'myResourceGroup',
  '--query',
  `properties.accessPolicies[?objectId=='${CALLER}'].permissions | [0]`,
  '-o',
  'json',
);

describe('signer-access', () => {
  it('rbac: assigns Certificates Officer and Crypto User with the principal type', async () => {
    const f = fakeContext({
      stepId: 'signer-access',
      answers,
      outputs,
      script: [
        { prefix: ['az', 'role', 'assignment', 'create'], has: ['Key Vault Crypto User'], result: { stdout: '/ra/2\n' } },
        { prefix: ['az', 'role', 'assignment', 'create'], result: { stdout: '/ra/1\n' } },
      ],
    });
    expect(await signerAccess.run(f.ctx)).toEqual({ signerAccess: 'rbac: Key Vault Certificates Officer, Key Vault Crypto User' });
    const create = (role: string) =>
      azArgv(
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        CALLER,
        '--assignee-principal-type',
        'User',
        '--role',
        role,
        '--scope',
        KV_ID,
        '--description',
        'ratify-runbook-run=run1',
        '--query',
        'id',
        '-o',
        'tsv',
      );
    expect(f.argvs()).toEqual([listRoles, create('Key Vault Certificates Officer'), create('Key Vault Crypto User')]);
    expect(f.processes()).toEqual(f.argvs().slice(1));
    expect(f.created.map((c) => c.id)).toEqual(['/ra/1', '/ra/2']);
    // Write-ahead: each assignment is announced (with the guard that finds it by the run's mark)
    // before it is created; the two are made together, both started before either is recorded.
    expect(f.events.filter((e) => !e.startsWith('run az role assignment list'))).toEqual([
      'willCreate roleAssignment',
      'willCreate roleAssignment',
      `run ${create('Key Vault Certificates Officer').join(' ')}`,
      `run ${create('Key Vault Crypto User').join(' ')}`,
      'created roleAssignment',
      'created roleAssignment',
    ]);
    expect(f.pending[0]?.guard).toEqual({
      kind: 'read',
      argv: azArgv(
        'role',
        'assignment',
        'list',
        '--assignee',
        CALLER,
        '--scope',
        KV_ID,
        '--role',
        'Key Vault Certificates Officer',
        '--query',
        "[?description=='ratify-runbook-run=run1'].id",
        '-o',
        'tsv',
      ),
    });
    expect(f.argvs().flat()).not.toContain('set-policy');
  });

  it('rbac check: done with both roles, not done with one', async () => {
    const both = fakeContext({ stepId: 'signer-access', answers, outputs, azureLists: assigned(ROLE.crypto, ROLE.officer) });
    expect(await signerAccess.check(both.ctx)).toBeDefined();
    const one = fakeContext({ stepId: 'signer-access', answers, outputs, azureLists: assigned(ROLE.crypto) });
    expect(await signerAccess.check(one.ctx)).toBeUndefined();
    // run() takes the answer check() has just read: one ARM GET for both.
    await signerAccess.run(one.ctx);
    expect(one.armReads).toHaveLength(1);
    const run = fakeContext({ stepId: 'signer-access', answers, outputs, azureLists: assigned(ROLE.crypto) });
    await signerAccess.run(run.ctx);
    expect(run.mutating()).toHaveLength(1);
    expect(run.mutating()[0]).toContain('Key Vault Certificates Officer');
  });

  it('access-policy: set-policy with certificates create get and keys sign, recorded for teardown', async () => {
    const f = fakeContext({ stepId: 'signer-access', answers: { ...answers, keyVaultAuth: 'access-policy' }, outputs });
    expect(await signerAccess.run(f.ctx)).toEqual({ signerAccess: 'access-policy: certificates create get, keys sign' });
    expect(f.argvs()).toEqual([
      showPolicy,
      azArgv(
        'keyvault',
        'set-policy',
        '-n',
        'ratify-demo-kv',
        '-g',
        'myResourceGroup',
        '--object-id',
        CALLER,
        '--certificate-permissions',
        'create',
        'get',
        '--key-permissions',
        'sign',
        '-o',
        'none',
      ),
    ]);
    expect(f.created).toEqual([expect.objectContaining({ kind: 'accessPolicy', details: expect.objectContaining({ objectId: CALLER }) })]);
  });

  it('access-policy: keeps what the caller had and skips when nothing is missing', async () => {
    const full = { certificates: ['all', 'create', 'get'], keys: ['sign', 'get'], secrets: ['get'] };
    const f = fakeContext({
      stepId: 'signer-access',
      answers: { ...answers, keyVaultAuth: 'access-policy' },
      outputs,
      azure: vaultWith(full),
    });
    expect(await signerAccess.check(f.ctx)).toBeDefined();
    await signerAccess.run(f.ctx);
    expect(f.mutating()).toEqual([]);
    const partial = fakeContext({
      stepId: 'signer-access',
      answers: { ...answers, keyVaultAuth: 'access-policy' },
      outputs,
      azure: vaultWith({ certificates: ['list'], keys: ['sign'] }),
    });
    await signerAccess.run(partial.ctx);
    expect(partial.mutating()[0]).toEqual(
      azArgv(
        'keyvault',
        'set-policy',
        '-n',
        'ratify-demo-kv',
        '-g',
        'myResourceGroup',
        '--object-id',
        CALLER,
        '--certificate-permissions',
        'create',
        'get',
        'list',
        '-o',
        'none',
      ),
    );
    expect(partial.created).toEqual([]);
  });

  it('knownFailures: set-policy on an RBAC vault', () => {
    expect(
      signerAccess.knownFailures?.some((k) =>
        k.match.test("ERROR: Cannot set policies to a vault with '--enable-rbac-authorization' specified"),
      ),
    ).toBe(true);
  });

  it('teardown removes the recorded role assignments by id', async () => {
    const f = fakeContext({
      stepId: 'signer-access',
      answers,
      outputs,
      createdBefore: [
        { kind: 'roleAssignment', id: '/subscriptions/00000000-1111-2222-3333-444444444444/x/roleAssignments/1' },
        { kind: 'roleAssignment', id: '/subscriptions/00000000-1111-2222-3333-444444444444/x/roleAssignments/2' },
      ],
    });
    await signerAccess.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([
      azArgv('role', 'assignment', 'delete', '--ids', '/subscriptions/00000000-1111-2222-3333-444444444444/x/roleAssignments/2'),
      azArgv('role', 'assignment', 'delete', '--ids', '/subscriptions/00000000-1111-2222-3333-444444444444/x/roleAssignments/1'),
    ]);
  });
});
