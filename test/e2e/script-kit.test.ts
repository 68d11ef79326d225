import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

/**
 * The script kit as a user meets it: `export --format sh` after a sandbox run, the run torn
 * down, then `bash exported.sh` through `sandbox exec` must rebuild everything up to a signed
 * pod admitted and an unsigned one denied; run again, it changes nothing; with the vault mode
 * and names edited at the top it works just as well. shellcheck (Debian's) must find nothing.
 */
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;

function shellcheck(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('shellcheck', ['-S', 'warning', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A missing shellcheck fails the test: .ci/run installs Debian's package.
    child.on('error', (e) => reject(new Error(`shellcheck is required for this test (apt-get install shellcheck): ${e.message}`)));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** A run on a fresh sandbox, its script exported, then torn down: the world the script starts from. */
async function afterRunAndTeardown(...runFlags: string[]): Promise<{ stateDir: string; dir: string; script: string }> {
  const dir = await tempDir();
  const stateDir = join(dir, 'state');
  const run = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...runFlags]);
  expect(run.code, run.stderr).toBe(0);
  const exported = await runCli(['export', '--format', 'sh', '--state-dir', stateDir]);
  expect(exported.code, exported.stderr).toBe(0);
  const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
  expect(teardown.code, teardown.stderr).toBe(0);
  const script = join(dir, 'kit', 'exported.sh');
  await runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', 'mkdir', '-p', join(dir, 'kit')]);
  await writeFile(script, exported.stdout, { mode: 0o755 });
  return { stateDir, dir, script };
}

/** `bash exported.sh` in the sandbox, from another folder than the script's; with the calls it made. */
async function runScript(stateDir: string, script: string) {
  const before = (await readCalls(stateDir)).length;
  const result = await runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', 'bash', script], { cwd: REPO });
  const calls = (await readCalls(stateDir)).slice(before);
  return { ...result, calls, mutating: calls.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' ')) };
}

/** `ratify-runbook sandbox exec -- <words>` (plain words, no quoting needed). */
function sandboxExec(stateDir: string, line: string) {
  return runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', ...line.split(' ')]);
}

async function admission(stateDir: string, namespace: string, image: string) {
  return sandboxExec(stateDir, `kubectl run probe -n ${namespace} --image=${image} --restart=Never --dry-run=server`);
}

describe('export --format sh', () => {
  it('rebuilds the torn-down setup (signed admitted, unsigned denied); run again it changes nothing; shellcheck is quiet', async () => {
    const { stateDir, dir, script } = await afterRunAndTeardown();
    const text = await readFile(script, 'utf8');
    expect((await shellcheck(script)).out).toBe('');
    expect(text).toContain('set -euo pipefail');
    expect(text).not.toMatch(/<[a-z-]+\.[A-Za-z]+>|<runId>/); // no placeholder left anywhere
    expect(text).toMatch(/^RUN_ID='[0-9a-f]{8}'/m);
    expect(text).toContain('NOTATION_PASSWORD="$(az acr login -n "${ACR_NAME}" --expose-token --query accessToken -o tsv');
    expect(text).toContain('kubectl apply -f - <<RATIFY_EOF');
    expect(text).toContain('cat > "${FILES}/ratify-values.yaml" <<RATIFY_EOF');
    expect(text).toContain('if [[ "${PREFLIGHT_HELM_MAJOR}" == \'4\' ]]; then');
    expect(text).toContain('if [[ "${PREFLIGHT_ENTRA_ID}" == \'false\' ]]; then');
    // helm repo add/update run only inside the install's guard.
    const guard =
      'if ! { [[ "$(helm list -n gatekeeper-system --filter \'^ratify$\' -o json 2>/dev/null)" == ' +
      '*"\\"chart\\":\\"ratify-${RATIFY_CHART_VERSION}';
    const guarded = text.slice(text.indexOf(guard));
    expect(guarded.indexOf('helm repo add ratify')).toBeGreaterThan(0);
    expect(guarded.indexOf('helm repo add ratify')).toBeLessThan(guarded.indexOf('\n  fi\n'));
    expect(text.indexOf('helm repo add ratify')).toBeGreaterThan(text.indexOf(guard));

    const first = await runScript(stateDir, script);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('ratify-runbook script: done.');
    expect(`${first.stdout}${first.stderr}`).not.toMatch(JWT); // the registry token went to notation, not to the screen
    expect(first.mutating).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^az keyvault create /),
        expect.stringMatching(/^notation sign /),
        expect.stringMatching(/^helm upgrade --install /),
      ]),
    );
    expect(existsSync(join(dir, 'kit', 'ratify-runbook-files', 'ratify-values.yaml'))).toBe(true);

    const digest = (
      await sandboxExec(stateDir, 'az acr manifest show-metadata -r myregistry4ratify -n net-monitor:v1 --query digest -o tsv')
    ).stdout.trim();
    expect(await admission(stateDir, 'demo', `myregistry4ratify.azurecr.io/net-monitor@${digest}`)).toMatchObject({ code: 0 });
    const denied = await admission(stateDir, 'demo', 'myregistry4ratify.azurecr.io/net-watcher:v1');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/denied the request: \[azurepolicy-ratifyverification-[0-9a-f]+\] Subject failed verification/);

    const second = await runScript(stateDir, script);
    expect(second.code, second.stderr).toBe(0);
    expect(second.mutating).toEqual([]);
  }, 180_000);

  it('with KEY_VAULT_AUTH=access-policy and other names edited at the top, on Helm 3 and an Entra ID cluster', async () => {
    const { stateDir, script } = await afterRunAndTeardown('--sandbox-tools', 'helm=3', '--sandbox-cluster', 'entra-id');
    const edits: Record<string, string> = {
      KEY_VAULT_AUTH: 'access-policy',
      KEY_VAULT_NAME: 'kv-edited-01',
      CERT_NAME: 'edited-cert',
      IDENTITY_NAME: 'edited-identity',
      POLICY_NAME: 'edited-policy',
      DEMO_NAMESPACE: 'edited-ns',
      REPO: 'edited-repo',
      TAG: 'v2',
    };
    let text = await readFile(script, 'utf8');
    for (const [name, value] of Object.entries(edits)) {
      expect(text).toMatch(new RegExp(`^${name}='`, 'm'));
      text = text.replace(new RegExp(`^${name}='[^']*'`, 'm'), `${name}='${value}'`);
    }
    await writeFile(script, text);
    expect((await shellcheck(script)).out).toBe('');

    const first = await runScript(stateDir, script);
    expect(first.code, first.stderr).toBe(0);
    const argv = first.calls.map((c) => c.argv.join(' '));
    expect(argv).toContainEqual(
      expect.stringMatching(/^kubelogin convert-kubeconfig -l azurecli --kubeconfig \S+\/ratify-runbook-files\/kubeconfig$/),
    );
    expect(argv).toContainEqual(expect.stringMatching(/^helm upgrade --install ratify ratify\/ratify .*--atomic --wait /));
    expect(argv).toContainEqual(expect.stringMatching(/^az keyvault set-policy -n kv-edited-01 .*--secret-permissions get/));
    const rbac = await sandboxExec(stateDir, 'az keyvault show -n kv-edited-01 --query properties.enableRbacAuthorization -o tsv');
    expect(rbac.stdout).toBe('false\n');
    const denied = await admission(stateDir, 'edited-ns', 'myregistry4ratify.azurecr.io/net-watcher:v2');
    expect(denied.stderr).toMatch(/Subject failed verification/);

    const second = await runScript(stateDir, script);
    expect(second.code, second.stderr).toBe(0);
    expect(second.mutating).toEqual([]);
  }, 180_000);

  it('plan --format sh of a fresh world (both vault modes in one script) passes shellcheck too', async () => {
    const dir = await tempDir();
    const plan = await runCli(['plan', '--format', 'sh', '--answers', demoAnswers, '--state-dir', join(dir, 'state')]);
    expect(plan.code, plan.stderr).toBe(0);
    await writeFile(join(dir, 'plan.sh'), plan.stdout);
    expect((await shellcheck(join(dir, 'plan.sh'))).out).toBe('');
    expect(plan.stdout).toContain('if [[ "${KEY_VAULT_AUTH}" == \'rbac\' ]]; then');
  });
});
