import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const run = (stateDir: string, ...extra: string[]) =>
  runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...extra]);

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('full run on the sandbox (built binary)', () => {
  it('passes verify; a second run runs no mutating command; the token is nowhere on disk', async () => {
    const stateDir = await tempDir();
    const first = await run(stateDir, '--json');
    expect(first.stderr).toContain('SIMULATED');
    expect(first.code, first.stderr).toBe(0);
    const status = JSON.parse(first.stdout);
    const verify = status.steps.find((s: { id: string }) => s.id === 'verify');
    expect(verify.status).toBe('done');
    expect(verify.outputs.signedAdmitted).toBe('true');
    expect(verify.outputs.unsignedDenied).toBe('true');
    expect(verify.outputs.denialMessage).toMatch(/\[azurepolicy-ratifyverification-[0-9a-f]+\] Subject failed verification/);
    const notebook = await readFile(join(stateDir, 'notebook.md'), 'utf8');
    expect(notebook).toContain('SIMULATED');
    expect(notebook).toContain('notation sign');
    // The payoff, what was created and what to type next: on stderr and at the end of the notebook.
    expect(first.stderr).toMatch(/The signed image ran: myregistry4ratify\.azurecr\.io\/net-monitor@sha256:[0-9a-f]{64} was admitted/);
    const unsigned = 'myregistry4ratify.azurecr.io/net-watcher:v1';
    const denied = `The unsigned image was denied: ${unsigned} was refused at admission with: ${verify.outputs.denialMessage}`;
    expect(first.stderr).toContain(denied);
    expect(first.stderr).toMatch(/Created by this run \(teardown removes exactly these, 16\):\n(.*\n)*\s+- keyVault ratify-demo-kv/);
    expect(first.stderr).toContain('roleAssignment Key Vault Secrets User on ratify-demo-kv (ratify-identity)');
    const teardownLine = `ratify-runbook teardown --state-dir ${stateDir} --sandbox\\s+remove everything this run created`;
    expect(first.stderr).toMatch(new RegExp(teardownLine));
    const result = notebook.slice(notebook.indexOf('## Result'));
    expect(result).toContain(verify.outputs.denialMessage);
    expect(result).toMatch(/\| key-vault \| keyVault ratify-demo-kv \| `\/subscriptions\/.*\/vaults\/ratify-demo-kv` \|/);
    expect(result).toContain(`ratify-runbook export --format sh --state-dir ${stateDir}`);

    const before = (await readCalls(stateDir)).length;
    const second = await run(stateDir);
    expect(second.code, second.stderr).toBe(0);
    const again = (await readCalls(stateDir)).slice(before);
    expect(again.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' '))).toEqual([]);

    // The registry token (a JWT) never lands anywhere in the state dir: ledger, notebook,
    // logs, answers, the call log, nor the simulated world's own files.
    for (const file of await allFiles(stateDir)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      expect(text, file).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/);
    }
  });
});

describe('a command that never answers (sandbox hang fault)', () => {
  it('is killed after the (scaled) timeout, the step fails with exit 1, and the next run resumes', async () => {
    const stateDir = await tempDir();
    const hung = await run(stateDir, '--sandbox-fault', 'az keyvault certificate create=hang');
    expect(hung.code, hung.stderr).toBe(1);
    expect(hung.stderr).toContain('without an answer (timeout)');
    expect(hung.stderr).toContain('it resumes at "certificate"');
    const resumed = await run(stateDir);
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 120_000);
});

describe('answers of steps that will re-run (sandbox)', () => {
  it('a changed answer of a done step is validated before anything runs, and a valid one re-runs just its steps', async () => {
    const stateDir = await tempDir();
    expect((await run(stateDir)).code).toBe(0);
    const before = (await readCalls(stateDir)).length;
    // policy and verify read demoNamespace: a new value makes them run again, so it is checked first
    // (it used to be ignored and silently replaced by its default, as no step still to run read it).
    const bad = await run(stateDir, '--set', 'demoNamespace=Not_A_Namespace');
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/invalid demoNamespace: "Not_A_Namespace"/);
    expect((await readCalls(stateDir)).length).toBe(before);

    const good = await run(stateDir, '--set', 'demoNamespace=demo2');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toMatch(/policy: .* checking \(answer changed: demoNamespace\)/);
    expect(good.stderr).toMatch(/verify: .* checking \(answer changed: demoNamespace\)/);
    const calls = (await readCalls(stateDir)).slice(before);
    expect(calls.some((c) => c.step === 'verify' && c.argv.join(' ').startsWith('kubectl run demo-unsigned -n demo2'))).toBe(true);
    const mutatedBy = new Set(calls.filter((c) => isMutating(c.argv)).map((c) => c.step));
    expect([...mutatedBy].filter((step) => !['policy', 'verify'].includes(step))).toEqual([]);
  });

  it('a new image tag after a finished run: the images are built again and verify proves the new ones', async () => {
    const stateDir = await tempDir();
    expect((await run(stateDir)).code).toBe(0);
    const before = (await readCalls(stateDir)).length;
    const retag = await run(stateDir, '--set', 'tag=v2');
    expect(retag.code, retag.stderr).toBe(0);
    expect(retag.stderr).toMatch(/build-and-sign: .* checking \(answer changed: tag\)/);
    expect(retag.stderr).toMatch(/verify: .* checking \(build-and-sign runs again\)/);
    // The denial quotes the image it refused: the new tag, not the old run's.
    expect(retag.stderr).toMatch(/net-watcher:v2 was refused at admission with: .*Subject failed verification: \S+net-watcher:v2/);
    const calls = (await readCalls(stateDir)).slice(before);
    expect(
      calls.some((c) => c.step === 'build-and-sign' && c.argv.join(' ').includes('-t myregistry4ratify.azurecr.io/net-monitor:v2')),
    ).toBe(true);
  });

  it('Audit: the summary says the unsigned image was admitted and reported as a violation', async () => {
    const stateDir = await tempDir();
    const audit = await run(stateDir, '--set', 'policyEffect=Audit');
    expect(audit.code, audit.stderr).toBe(0);
    const admitted = 'The unsigned image was admitted (policy effect Audit) and reported as a violation: ';
    expect(audit.stderr).toMatch(new RegExp(`${admitted.replace(/[()]/g, '\\$&')}myregistry4ratify\\.azurecr\\.io/net-watcher:v1: \\S+`));
    expect(audit.stderr).not.toContain('The unsigned image was denied');
  });
});

describe('a state dir that comes back without its kubeconfig (a CI cache never keeps it)', () => {
  it('the resumed run writes it again in preflight, and teardown does too', async () => {
    const stateDir = await tempDir();
    expect((await run(stateDir, '--sandbox-fault', 'helm upgrade=permanent')).code).toBe(1);
    await rm(join(stateDir, 'kubeconfig'));
    const resumed = await run(stateDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    const preflightReads = (await readCalls(stateDir)).filter((c) => c.step === 'preflight' && c.argv.includes('get-credentials'));
    expect(preflightReads.length).toBeGreaterThan(0);

    await rm(join(stateDir, 'kubeconfig'));
    const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
    expect(teardown.code, teardown.stderr).toBe(0);
  }, 120_000);
});
