import { spawn } from 'node:child_process';
import { readdir, stat, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

/** The exit code of the runbook itself in `runbook ARGS | true` (bash's PIPESTATUS). */
function pipeStatus(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const script = `"${process.execPath}" "${BIN}" "$@" | true; exit "\${PIPESTATUS[0]}"`;
    const child = spawn('/bin/bash', ['-c', script, 'bash', ...args], { cwd: REPO, env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('a closed pipe on stdout (EPIPE) ends quietly', () => {
  it('status | true and plan --format json | true, five times each: exit 0, no stack trace', async () => {
    const stateDir = await tempDir();
    const done = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir]);
    expect(done.code, done.stderr).toBe(0);
    for (let i = 0; i < 5; i++) {
      for (const args of [
        ['status', '--state-dir', stateDir],
        ['plan', '--format', 'json', '--answers', demoAnswers],
      ]) {
        const result = await pipeStatus(args);
        expect(result.code, `${args[0]}: ${result.stderr}`).toBe(0);
        expect(result.stderr).not.toMatch(/EPIPE|at .*\.js:\d+|Unhandled 'error' event/);
      }
    }
  });
});

describe('doctor', () => {
  it('with a PATH holding only node: names az, kubectl, helm and notation as missing, each with how to install it, exit 1', async () => {
    const bin = await tempDir('rr-node-only-');
    await symlink(process.execPath, join(bin, 'node'));
    const result = await runCli(['doctor', '--answers', demoAnswers, '--state-dir', join(bin, 'state')], {
      env: { PATH: bin },
    });
    expect(result.code, result.stderr).toBe(1);
    const howTo = [
      ['az', /install-azure-cli/],
      ['kubectl', /az aks install-cli/],
      ['helm', /helm\.sh\/docs\/intro\/install/],
      ['notation', /notation_1\.3\.2_linux_amd64/],
    ] as const;
    for (const [tool, install] of howTo) {
      const line = result.stderr.split('\n').find((l) => l.startsWith(`- ${tool}: `));
      expect(line, `${tool} in:\n${result.stderr}`).toMatch(/not found on PATH/);
      expect(line).toMatch(install);
    }
    // All of them at once, and not the circular "run doctor" advice.
    expect(result.stderr).toMatch(/Preflight found 4 problem\(s\)/);
    expect(result.stderr).not.toMatch(/run `ratify-runbook doctor` to see which/);
  });
});

describe('e2e children never touch the real ~/.kube', () => {
  it('a tool that writes ~/.kube/config is caught by the temporary HOME every child gets', async () => {
    const realKube = join(homedir(), '.kube');
    const before = await stat(realKube).then(
      (s) => `${s.mtimeMs} ${s.size}`,
      () => 'absent',
    );
    const stateDir = await tempDir();
    const run = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir]);
    expect(run.code, run.stderr).toBe(0);
    // get-credentials without --file writes $HOME/.kube/config, as the real az does: the check sees it.
    const careless = [
      'sandbox',
      'exec',
      '--state-dir',
      stateDir,
      '--',
      'az',
      'aks',
      'get-credentials',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
    ];
    await expect(runCli(careless)).rejects.toThrow(/wrote ~\/\.kube/);
    expect((await runCli(careless, { allowHomeKube: true })).code).toBe(0);
    expect(
      await stat(realKube).then(
        (s) => `${s.mtimeMs} ${s.size}`,
        () => 'absent',
      ),
    ).toBe(before);
    expect((await readdir(stateDir)).includes('kubeconfig')).toBe(true);
  });
});
