import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { markedBy, runIdOf, worldOf } from '../helpers/world-checks.js';

/**
 * The run's mark as a safety net under the ledger: `status --check-cloud` finds what carries it
 * but the ledger does not list, and `teardown --sweep` removes it (tagged resources through the
 * ARM `$filter`, role assignments and policies by the marker in their description), never what
 * the user had.
 */
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

describe('teardown --sweep and status --check-cloud (built binary)', () => {
  it('a ledger that lost its records: check-cloud names what carries the mark; --sweep removes it and nothing of the user', async () => {
    const stateDir = await tempDir();
    const run = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir]);
    expect(run.code, run.stderr).toBe(0);
    const runId = await runIdOf(stateDir);
    // Something the user had before: an identity and a role assignment without the run's mark.
    const exec = (...argv: string[]) => runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', ...argv]);
    expect((await exec('az', 'identity', 'create', '-n', 'users-own-identity', '-g', 'myResourceGroup', '-o', 'none')).code).toBe(0);
    const vault = (await exec('az', 'keyvault', 'show', '-n', 'ratify-demo-kv', '--query', 'id', '-o', 'tsv')).stdout.trim();
    const me = (await exec('az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv')).stdout.trim();
    const usersGrant = await exec(
      'az',
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      me,
      '--assignee-principal-type',
      'User',
      '--role',
      'Reader',
      '--scope',
      `/subscriptions/${vault.split('/')[2]}/resourceGroups/myResourceGroup`,
      '-o',
      'none',
    );
    expect(usersGrant.code, usersGrant.stderr).toBe(0);

    // Plain status stays local: it calls no tool. --check-cloud lists what is there.
    const calls = (await readCalls(stateDir)).length;
    const plain = await runCli(['status', '--state-dir', stateDir]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toMatch(/mark/);
    expect((await readCalls(stateDir)).length).toBe(calls);
    const clean = await runCli(['status', '--check-cloud', '--state-dir', stateDir]);
    expect(clean.stderr).toMatch(/Everything carrying this run's mark .* is in the ledger/);
    expect((await readCalls(stateDir)).length).toBeGreaterThan(calls);

    // The ledger forgets what four steps created (as a crash before any record could have done).
    const ledgerPath = join(stateDir, 'state.json');
    const ledger = JSON.parse(await readFile(ledgerPath, 'utf8'));
    for (const id of ['key-vault', 'signer-access', 'ratify-identity', 'policy']) ledger.steps[id].created = [];
    await writeFile(ledgerPath, JSON.stringify(ledger, null, 2));

    const check = await runCli(['status', '--check-cloud', '--state-dir', stateDir]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toMatch(/! 8 resource\(s\) carry this run's mark .* but the ledger does not list them/);
    const listed = [
      /policy assignment ratify-default-custom-policy/,
      /policy definition ratify-default-custom-policy/,
      /role assignment Key Vault Certificates Officer/,
      /role assignment AcrPull/,
      /userAssignedIdentities ratify-identity/,
      /vaults ratify-demo-kv/,
    ];
    for (const what of listed) expect(check.stderr).toMatch(what);
    expect(check.stderr).not.toMatch(/users-own-identity|role assignment Reader/);
    expect(check.stderr).toMatch(/teardown --sweep --sandbox removes them/);

    const refused = await runCli(['teardown', '--sandbox', '--sweep', '--state-dir', stateDir]);
    expect(refused.code).toBe(2); // it lists, then asks: no terminal and no --yes
    expect(markedBy(worldOf(stateDir), runId).length).toBeGreaterThan(0);

    const sweep = await runCli(['teardown', '--sandbox', '--sweep', '--yes', '--state-dir', stateDir]);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(/8 swept/);
    const world = worldOf(stateDir);
    expect(markedBy(world, runId)).toEqual([]);
    // Federated credentials went with their identity; the user's own things stayed.
    expect(Object.values(world.arm).filter((r) => /federatedIdentityCredentials/i.test(r.type))).toEqual([]);
    expect(Object.values(world.arm).some((r) => r.name === 'users-own-identity')).toBe(true);
    const grants = Object.values(world.arm).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    const reader = (r: (typeof grants)[number]) =>
      (r.properties as { principalId: string }).principalId === me && /acdd72a7/.test(String(r.properties.roleDefinitionId));
    expect(grants.some(reader)).toBe(true);
    const after = await runCli(['status', '--check-cloud', '--state-dir', stateDir]);
    expect(after.stderr).toMatch(/Everything carrying this run's mark .* is in the ledger/);
  }, 240_000);
});
