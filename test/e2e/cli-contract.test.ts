import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/engine-harness.js';
import { REPO, runCli } from '../helpers/cli.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

describe('CLI contract (built binary, no TTY)', () => {
  it.each(['run', 'plan', 'status', 'teardown', 'doctor', 'export', 'sandbox'])('%s --help prints usage and exits 0', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: ratify-runbook ${command}`);
  });

  it('no command prints the help and exits 2; an unknown command or flag exits 2 naming --help', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Commands:');
    const unknown = await runCli(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "deploy"');
    // Names every object has (toString, constructor) are no command and have no help.
    for (const argv of [['constructor'], ['toString', '--help']]) {
      const inherited = await runCli(argv);
      expect(inherited.code).toBe(2);
      expect(inherited.stderr).toContain(`Unknown command "${argv[0]}"`);
    }
    const badFlag = await runCli(['status', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--colour'[\s\S]*ratify-runbook status --help/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const printed = await runCli(['--version']);
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim()).toBe(version);
  });

  it('status on an empty state dir says so; --json lists every step as pending', async () => {
    const dir = await tempDir();
    const text = await runCli(['status', '--state-dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('No run yet');
    const json = await runCli(['status', '--state-dir', dir, '--json']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.steps.map((s: { id: string }) => s.id)).toEqual([
      'provision-base',
      'preflight',
      'cleanup-image-integrity',
      'cluster-prereqs',
      'key-vault',
      'signer-access',
      'certificate',
      'notation-setup',
      'build-and-sign',
      'ratify-identity',
      'ratify-install',
      'policy',
      'verify',
    ]);
    expect(new Set(parsed.steps.map((s: { status: string }) => s.status))).toEqual(new Set(['pending']));
  });

  it('a corrupt ledger stops run with exit 2 before anything else, and the file is kept byte for byte', async () => {
    const dir = await tempDir();
    const garbage = '{"schema":"ratify-runbook/ledger","version":1,"steps":{"key-vault":';
    await writeFile(join(dir, 'state.json'), garbage);
    const result = await runCli(['run', '--sandbox', '--state-dir', dir, '--answers', demoAnswers]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
    expect(result.stderr).toContain('left untouched');
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(garbage);
    expect(await readdir(dir)).not.toContain('sandbox');
  });

  it('a state dir locked by a live process exits 4 naming the holder', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'state.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-11-26T10:00:00Z', command: 'ratify-runbook run' }),
    );
    const result = await runCli(['run', '--sandbox', '--state-dir', dir, '--answers', demoAnswers]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`pid ${process.pid} on ${hostname()}`);
  });

  it('non-interactive with answers missing: exit 3, every one listed with its file key, env var and flag', async () => {
    const dir = await tempDir();
    const result = await runCli(['run', '--sandbox', '--state-dir', dir, '--non-interactive']);
    expect(result.code).toBe(3);
    for (const [key, env] of [
      ['resourceGroup', 'RATIFY_RUNBOOK_RESOURCE_GROUP'],
      ['keyVaultName', 'RATIFY_RUNBOOK_KEY_VAULT_NAME'],
      ['acrName', 'RATIFY_RUNBOOK_ACR_NAME'],
    ]) {
      expect(result.stderr).toContain(`${key}:`);
      expect(result.stderr).toContain(env);
      expect(result.stderr).toContain(`--set ${key}=`);
    }
    expect(await readdir(dir)).not.toContain('state.json');
  });

  it('an invalid answer among missing ones: exit 2, both reported', async () => {
    const dir = await tempDir();
    const result = await runCli(['run', '--sandbox', '--state-dir', dir, '--set', 'keyVaultName=kv--double', '--set', 'acrName=has-dash']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/keyVaultName/);
    expect(result.stderr).toMatch(/acrName/);
    expect(result.stderr).toMatch(/resourceGroup/); // still missing, listed too
  });

  it('a command aimed at another target than the ledger exits 2 and runs nothing', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'state.json'),
      JSON.stringify({
        schema: 'ratify-runbook/ledger',
        version: 1,
        runId: 'r1',
        createdAt: 'x',
        updatedAt: 'x',
        target: { kind: 'sandbox' },
        steps: {},
      }),
    );
    const result = await runCli(['teardown', '--state-dir', dir, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('belongs to the sandbox');
    expect(result.stderr).toContain('--sandbox');
  });

  it('plan --format json lists every command and generated file, and creates nothing', async () => {
    const dir = await tempDir();
    const result = await runCli(['plan', '--format', 'json', '--answers', demoAnswers, '--state-dir', join(dir, 'state')]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    const ids = plan.steps.map((s: { id: string }) => s.id);
    expect(ids).toContain('verify');
    const all = plan.steps.flatMap((s: { commands: { argv: string[] }[] }) => s.commands.map((c) => c.argv.join(' ')));
    expect(all.some((c: string) => c.startsWith('helm upgrade --install ratify ratify/ratify'))).toBe(true);
    expect(all.some((c: string) => c.startsWith('az keyvault create'))).toBe(true);
    expect(all.some((c: string) => /^notation sign .*--plugin-config self_signed=true/.test(c))).toBe(true);
    const files = plan.steps.flatMap((s: { files: { path: string }[] }) => s.files.map((f) => f.path));
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    [['run', '--sandbox-latency', 'demo'], '--sandbox-latency only applies to the sandbox'],
    [['run', '--sandbox-tools', 'helm=3', '--sandbox-cluster', 'entra-id'], '--sandbox-tools, --sandbox-cluster only apply to the sandbox'],
    [['run', '--sandbox', '--sandbox-tools', 'helm=5'], "invalid --sandbox-tools 'helm=5': Helm 5 is not simulated"],
    [['run', '--sandbox', '--sandbox-tools', 'kubectl=1.30'], "invalid --sandbox-tools 'kubectl=1.30'"],
    [['run', '--sandbox', '--sandbox-cluster', 'aad'], "invalid --sandbox-cluster 'aad': expected one of local-accounts, entra-id"],
    [['doctor', '--sandbox', '--sandbox-caller', 'reader'], "invalid --sandbox-caller 'reader': expected one of owner, contributor"],
    [['sandbox', 'exec', '--sandbox-tools', 'helm=2', '--', 'true'], "invalid --sandbox-tools 'helm=2'"],
    [['run', '--sandbox-tools', 'kubectl=real'], '--sandbox-tools only applies to the sandbox'],
    [
      ['run', '--sandbox', '--sandbox-tools', 'kubectl=latest'],
      "invalid --sandbox-tools 'kubectl=latest': kubectl must be one of fake, real",
    ],
    [
      ['run', '--sandbox', '--sandbox-tools', 'oc=real'],
      "invalid --sandbox-tools 'oc=real': the sandbox's tools can be chosen for helm and kubectl only",
    ],
    [['run', '--sandbox', '--sandbox-latency', 'fast'], "invalid --sandbox-latency 'fast'"],
    [['run', '--sandbox', '--sandbox-fault', 'nonsense'], "invalid --sandbox-fault 'nonsense'"],
    [['run', '--from', 'key-vault', '--only', 'policy'], '--from and --only cannot be combined'],
    [['run', '--sandbox', '--from', 'nowhere', '--answers', demoAnswers], '--from nowhere: no such step'],
    [['export'], 'export needs --format md or --format sh'],
    [['plan', '--format', 'yaml'], '--format yaml: expected one of text, json, sh, md'],
    [['sandbox', 'exec'], 'sandbox exec needs a command after --'],
    [['sandbox', 'poke'], 'Unknown sandbox command "poke"'],
  ])('bad usage %j exits 2 with "%s" and writes nothing', async (args, message) => {
    const dir = await tempDir();
    const stateDir = join(dir, 'state');
    const result = await runCli([...args, '--state-dir', stateDir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await readdir(dir)).not.toContain('state');
  });
});
