import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { worldOf } from '../helpers/world-checks.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

describe('teardown after a full sandbox run (built binary)', () => {
  it('removes every resource the run created, by recorded id, and purges the vault', async () => {
    const stateDir = await tempDir();
    const run = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir]);
    expect(run.code, run.stderr).toBe(0);
    const ledger = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    const created = Object.values(ledger.steps as Record<string, { created: { kind: string; id: string }[] }>).flatMap((s) => s.created);
    expect(created.map((c) => c.kind)).toEqual(
      expect.arrayContaining([
        'keyVault',
        'certificate',
        'identity',
        'federatedCredential',
        'helmRelease',
        'policyDefinition',
        'policyAssignment',
      ]),
    );

    const worldBefore = JSON.stringify(worldOf(stateDir));
    const refused = await runCli(['teardown', '--sandbox', '--state-dir', stateDir]);
    expect(refused.code).toBe(2); // not on a terminal and no --yes: nothing deleted
    expect(refused.stderr).toContain('confirm with --yes');
    const foreign = await runCli(['teardown', '--yes', '--state-dir', stateDir]);
    expect(foreign.code).toBe(2); // the ledger's target is the sandbox: refused before anything runs
    expect(foreign.stderr).toContain('Add --sandbox');
    expect(JSON.stringify(worldOf(stateDir))).toBe(worldBefore);
    const startedAt = Date.now();
    const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
    const endedAt = Date.now();
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(teardown.stderr).toMatch(/leaves on|left on|cannot be disabled/i);

    const world = worldOf(stateDir);
    const live = JSON.stringify({ arm: world.arm, vaults: world.vaults, deletedVaults: world.deletedVaults }).toLowerCase();
    for (const resource of created.filter((c) => c.id.startsWith('/subscriptions/'))) {
      expect(live, resource.id).not.toContain(resource.id.toLowerCase());
    }
    expect(live).not.toContain('ratify-demo-kv'); // deleted and purged: the name is free again
    const registry = Object.values(world.registries as Record<string, { repositories: Record<string, unknown> }>)[0];
    expect(Object.keys(registry?.repositories ?? {})).toEqual([]);
    const cluster = Object.values(world.clusters as Record<string, { objects: Record<string, unknown> }>)[0];
    // Helm's release records (Secrets) and Ratify's workload are gone; Events expire on their own.
    expect(Object.keys(cluster?.objects ?? {}).filter((k) => /sh\.helm\.release/.test(k))).toEqual([]);
    expect(Object.keys(cluster?.objects ?? {}).filter((k) => !k.startsWith('Event/') && /ratify|namespace\/\/demo$/i.test(k))).toEqual([]);

    const after = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(after.teardown.status).toBe('done');
    // The ledger's times are real, though the sandbox runs the steps' own clock much faster.
    for (const at of [after.teardown.startedAt, after.teardown.endedAt]) {
      expect(Date.parse(at)).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(Date.parse(at)).toBeLessThanOrEqual(endedAt + 1000);
    }
    // The cluster itself (the blog's part 3) was not created by the runbook and stays.
    expect(Object.keys(world.clusters)).toHaveLength(1);
  });
});

describe('teardown never deletes what the user already had', () => {
  it('an image built into an existing repository: teardown removes that image, not the repository nor its other tags', async () => {
    const stateDir = await tempDir();
    const run = (...extra: string[]) =>
      runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...extra]);
    const exec = (...argv: string[]) => runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', ...argv]);
    // A first run stops before the builds: the world now holds the registry.
    expect((await run('--sandbox-fault', 'az keyvault create=permanent')).code).toBe(1);
    // The user's own image in the repository the runbook will build into.
    const source = 'https://github.com/wabbit-networks/net-monitor.git#main';
    const own = await exec(
      'az',
      'acr',
      'build',
      '-r',
      'myregistry4ratify',
      '-t',
      'myregistry4ratify.azurecr.io/net-monitor:prod',
      source,
      '--no-logs',
      '-o',
      'none',
    );
    expect(own.code, own.stderr).toBe(0);

    const resumed = await run();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('acrImage net-monitor:v1 (build-and-sign)');
    expect(resumed.stderr).toContain('acrRepository net-watcher (build-and-sign)');
    const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
    expect(teardown.code, teardown.stderr).toBe(0);

    const tags = await exec('az', 'acr', 'repository', 'show-tags', '-n', 'myregistry4ratify', '--repository', 'net-monitor', '-o', 'tsv');
    expect(tags.code, tags.stderr).toBe(0);
    expect(tags.stdout.trim().split('\n')).toEqual(['prod']);
    const unsigned = await exec('az', 'acr', 'repository', 'show', '-n', 'myregistry4ratify', '--repository', 'net-watcher', '-o', 'none');
    expect(unsigned.stderr).toContain('repository name not known to registry');
  }, 120_000);
});
