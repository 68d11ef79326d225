import { describe, expect, it } from 'vitest';
import { keyVault } from '../../steps/key-vault.js';
import { azArgv, fakeContext } from '../helpers/step-context.js';
import { answers, KV_ID, outputs } from './fixtures.js';

const vault = (rbac: boolean) => ({ id: KV_ID, properties: { enableRbacAuthorization: rbac, vaultUri: 'https://ratify-demo-kv.vault.azure.net/' } });
const reads = [
  { prefix: ['az', 'keyvault', 'show'], has: ['properties.vaultUri'], result: { stdout: 'https://ratify-demo-kv.vault.azure.net\n' } },
  { prefix: ['az', 'keyvault', 'show'], has: ['id'], result: { stdout: `${KV_ID}\n` } },
];

describe('key-vault', () => {
  for (const mode of ['rbac', 'access-policy'] as const) {
    it(`creates a ${mode} vault after show/list-deleted, with the exact argv`, async () => {
      const f = fakeContext({ stepId: 'key-vault', answers: { ...answers, keyVaultAuth: mode }, outputs, script: reads });
      const out = await keyVault.run(f.ctx);
      expect(f.argvs()).toEqual([
        azArgv('keyvault', 'list-deleted', '--resource-type', 'vault', '--query', "[?name=='ratify-demo-kv'].name", '-o', 'tsv'),
        azArgv('keyvault', 'create', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup', '-l', 'eastus', '--enable-rbac-authorization',
          String(mode === 'rbac'), '--tags', 'ratify-runbook-run=run1', '-o', 'none'),
        azArgv('keyvault', 'show', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup', '--query', 'properties.vaultUri', '-o', 'tsv'),
        azArgv('keyvault', 'show', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup', '--query', 'id', '-o', 'tsv'),
      ]);
      expect(f.calls[1]?.options.guardedBy).toEqual(azArgv('keyvault', 'show', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup', '-o', 'none'));
      expect(out).toEqual({ vaultUri: 'https://ratify-demo-kv.vault.azure.net/', keyVaultId: KV_ID, keyVaultRbac: String(mode === 'rbac') });
      expect(f.created).toEqual([{ kind: 'keyVault', id: KV_ID, details: expect.objectContaining({ name: 'ratify-demo-kv' }) }]);
    });
  }

  it('never re-runs create on an existing vault', async () => {
    const f = fakeContext({ stepId: 'key-vault', answers, outputs, script: reads, azure: { [KV_ID]: vault(true) } });
    await keyVault.run(f.ctx);
    expect(f.mutating()).toEqual([]);
  });

  it('check: done when the vault exists in the chosen mode, not done when missing', async () => {
    const done = fakeContext({ stepId: 'key-vault', answers, outputs, azure: { [KV_ID]: vault(true) } });
    expect(await keyVault.check(done.ctx)).toEqual({ vaultUri: 'https://ratify-demo-kv.vault.azure.net/', keyVaultId: KV_ID, keyVaultRbac: 'true' });
    expect(done.calls).toEqual([]);
    const missing = fakeContext({ stepId: 'key-vault', answers, outputs });
    expect(await keyVault.check(missing.ctx)).toBeUndefined();
  });

  it('stops and names the answer to change when the vault is in the other mode', async () => {
    const f = fakeContext({ stepId: 'key-vault', answers: { ...answers, keyVaultAuth: 'access-policy' }, outputs, azure: { [KV_ID]: vault(true) } });
    await expect(keyVault.check(f.ctx)).rejects.toThrow(/Set keyVaultAuth: rbac/);
  });

  it('reports a soft-deleted vault with the purge/recover choice, and purges when confirmed', async () => {
    const deleted = [{ prefix: ['az', 'keyvault', 'list-deleted'], result: { stdout: 'ratify-demo-kv\n' } }, ...reads];
    const no = fakeContext({ stepId: 'key-vault', answers, outputs, script: deleted });
    await expect(keyVault.run(no.ctx)).rejects.toThrow(/az keyvault purge -n ratify-demo-kv.*az keyvault recover -n ratify-demo-kv/s);
    expect(no.mutating()).toEqual([]);
    const yes = fakeContext({ stepId: 'key-vault', answers, outputs, script: deleted, confirmations: { Purge: true } });
    await keyVault.run(yes.ctx);
    expect(yes.mutating()[0]).toEqual(azArgv('keyvault', 'purge', '-n', 'ratify-demo-kv'));
  });

  it('knownFailures match the soft-deleted name message', () => {
    const message = "(VaultAlreadyExists) The vault name 'kv1' is already in use. Vault names are globaly unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged";
    expect(keyVault.knownFailures?.some((f) => f.match.test(message))).toBe(true);
  });

  it('teardown deletes and purges the recorded vault', async () => {
    const f = fakeContext({
      stepId: 'key-vault', answers: { ...answers, keyVaultName: 'now-different' }, outputs,
      createdBefore: [{ kind: 'keyVault', id: KV_ID, details: { subscription: '00000000-1111-2222-3333-444444444444', name: 'ratify-demo-kv', resourceGroup: 'myResourceGroup' } }],
    });
    await keyVault.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([
      azArgv('keyvault', 'delete', '-n', 'ratify-demo-kv', '-g', 'myResourceGroup'),
      azArgv('keyvault', 'purge', '-n', 'ratify-demo-kv'),
    ]);
  });
});
