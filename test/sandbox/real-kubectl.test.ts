import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { DENIAL, runFlow, type FlowResult } from '../helpers/sandbox-flow.js';
import { openWorld, virtualClock, type TestWorld } from '../helpers/sandbox-world.js';

/**
 * The machine's real kubectl (here gcloud's dispatcher, which reads the server's /version and
 * runs its matching 1.27-1.33 client) against the simulated cluster's Kubernetes API, through the
 * `--sandbox-tools kubectl=real` shim. Fails, never skips, where no kubectl is installed: the
 * world refuses to start without one.
 */
let w: TestWorld;
let flow: FlowResult;
const calls = (): { argv: string[]; exitCode: number; step: string | null }[] =>
  readFileSync(join(w.dir, 'sandbox', 'calls.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; exitCode: number; step: string | null });

beforeAll(async () => {
  ensureToolsBuilt();
  const clock = virtualClock();
  w = await openWorld({ latency: 'realistic', clock, tools: 'kubectl=real' });
  flow = await runFlow(w, {}, { wait: (ms) => clock.advance(ms) });
}, 120_000);
afterAll(async () => w?.close());

describe('the real kubectl against the simulated cluster (--sandbox-tools kubectl=real)', () => {
  test('it is the real binary: it reads the kubeconfig itself and talks to the API server it names', async () => {
    const server = await w.run(['kubectl', 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    expect(server.stdout).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/clusters\/aks-demo-rg-demo-[0-9a-f]{8}\.hcp\.eastus\.azmk8s\.io$/);
    const version = JSON.parse((await w.run(['kubectl', 'version', '-o', 'json'])).stdout) as {
      serverVersion: { gitVersion: string; minor: string };
    };
    expect(version.serverVersion).toMatchObject({ gitVersion: 'v1.32.6', minor: '32' });
  });

  test('kubectl run: the signed image runs, the unsigned one is refused with the webhook message printed by kubectl', async () => {
    expect(flow.failedAt).toBeUndefined();
    expect(flow.signed).toMatchObject({ code: 0, stdout: 'pod/demo-signed created\n' });
    expect(flow.unsigned!.code).toBe(1);
    expect(flow.unsigned!.stderr).toMatch(DENIAL);
    expect(flow.unsigned!.stderr).toMatch(/\] Subject failed verification: acrdemo01\.azurecr\.io\/net-watcher:v1\n$/);
    // The shim logged the real calls with their real exit codes.
    const runs = calls().filter((c) => c.argv[0] === 'kubectl' && c.argv[1] === 'run');
    expect(runs.map((c) => [c.argv[2], c.exitCode])).toEqual([
      ['demo-signed', 0],
      ['demo-unsigned', 1],
    ]);
  });

  test('get ns, get constrainttemplates, the key management provider, logs of the Ratify pod', async () => {
    const ns = await w.run(['kubectl', 'get', 'ns']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(ns.stdout).toMatch(/\ndemo\s+Active\s+\d+[smhd]/);
    const ct = await w.run(['kubectl', 'get', 'constrainttemplates']);
    expect(ct.stdout).toMatch(/^NAME\s+AGE\nratifyverification\s+\d+[smhd]/);
    const kmp = await w.run(['kubectl', 'get', 'keymanagementproviders']);
    expect(kmp.stdout).toMatch(/^NAME\s+ISSUCCESS\s+ERROR\s+LASTFETCHEDTIME\nkmprovider-akv\s+true\s+/);
    const logs = await w.run(['kubectl', 'logs', '-n', 'gatekeeper-system', 'deploy/ratify']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('verification response for subject acrdemo01.azurecr.io/net-watcher:v1: isSuccess=false');
    expect(logs.stdout).toMatch(
      /verification response for subject acrdemo01\.azurecr\.io\/net-monitor@sha256:[0-9a-f]{64}: isSuccess=true/,
    );
  });

  test('kubectl delete, then NotFound as a real Status', async () => {
    expect(await w.run(['kubectl', 'delete', 'pod', 'demo-signed', '-n', 'demo'])).toMatchObject({
      code: 0,
      stdout: 'pod "demo-signed" deleted\n',
    });
    expect(await w.run(['kubectl', 'get', 'pod', 'demo-signed', '-n', 'demo'])).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): pods "demo-signed" not found\n',
    });
    expect(await w.run(['kubectl', 'create', 'namespace', 'demo'])).toMatchObject({
      code: 1,
      stderr: 'Error from server (AlreadyExists): namespaces "demo" already exists\n',
    });
  });

  test('kubectl apply creates, then configures; the fake kubectl reads the same objects', async () => {
    const cm = (value: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: demo\ndata:\n  mode: ${value}\n`;
    expect(await w.run(['kubectl', 'apply', '-f', '-'], {}, cm('one'))).toMatchObject({ code: 0, stdout: 'configmap/settings created\n' });
    expect(await w.run(['kubectl', 'apply', '-f', '-'], {}, cm('two'))).toMatchObject({
      code: 0,
      stdout: 'configmap/settings configured\n',
    });
    const fake = {
      PATH: w.env
        .PATH!.split(':')
        .filter((d) => !d.endsWith('bin-real'))
        .join(':'),
    };
    expect((await w.run(['kubectl', 'get', 'configmap', 'settings', '-n', 'demo', '-o', 'jsonpath={.data.mode}'], fake)).stdout).toBe(
      'two',
    );
    for (const args of [
      ['get', 'ns', '-o', 'name'],
      ['get', 'constrainttemplates', '-o', 'name'],
      ['get', 'pods', '-n', 'demo', '-o', 'jsonpath={.items[*].metadata.name}'],
      ['get', 'deploy', '-n', 'gatekeeper-system', '-o', 'name'],
    ]) {
      const real = await w.run(['kubectl', ...args]);
      expect((await w.run(['kubectl', ...args], fake)).stdout, args.join(' ')).toBe(real.stdout);
    }
  });

  test('a wrong token is 401 Unauthorized, printed by kubectl', async () => {
    const cfg = parseYaml(readFileSync(w.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    cfg.users[0]!.user.token = 'f'.repeat(64);
    const bad = join(w.dir, 'bad-kubeconfig');
    writeFileSync(bad, toYaml(cfg));
    expect(await w.run(['kubectl', 'get', 'ns'], { KUBECONFIG: bad })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error: You must be logged in to the server (Unauthorized)'),
    });
  });

  test('ratify-runbook sandbox exec -- kubectl works with either kubectl', async () => {
    const exec = (...extra: string[]) =>
      runCli(['sandbox', 'exec', '--state-dir', w.dir, ...extra, '--', 'kubectl', 'get', 'constrainttemplates', '-o', 'name']);
    const fake = await exec();
    const real = await exec('--sandbox-tools', 'kubectl=real');
    expect(fake).toMatchObject({ code: 0, stdout: 'constrainttemplate.templates.gatekeeper.sh/ratifyverification\n' });
    expect(real).toMatchObject({ code: 0, stdout: fake.stdout });
    expect(
      (await runCli(['sandbox', 'exec', '--state-dir', w.dir, '--sandbox-tools', 'kubectl=latest', '--', 'kubectl'])).stderr,
    ).toContain('kubectl must be one of fake, real');
  });

  test('--sandbox-fault applies to the real kubectl like to every fake', async () => {
    const faulty = await openWorld({ dir: w.dir, seed: false, tools: 'kubectl=real', faults: ['kubectl get=transient'] });
    try {
      const env = { ...faulty.handle.profile.toolEnv, KUBECONFIG: w.kubeconfig };
      expect(await faulty.run(['kubectl', 'get', 'ns'], env)).toMatchObject({
        code: 1,
        stderr: 'Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later\n',
      });
      expect((await faulty.run(['kubectl', 'get', 'ns', '-o', 'name'], env)).stdout).toContain('namespace/demo\n');
      const last = calls()
        .filter((c) => c.argv[1] === 'get' && c.argv[2] === 'ns')
        .slice(-2);
      expect(last.map((c) => c.exitCode)).toEqual([1, 0]);
    } finally {
      await faulty.handle.close();
    }
  });

  test('an Entra ID cluster: the real kubectl runs kubelogin (converted for az login) and asks the API who may do what', async () => {
    for (const caller of ['owner', 'contributor'] as const) {
      const entra = await openWorld({ tools: 'kubectl=real', cluster: 'entra-id', caller });
      try {
        const rg = ['-g', 'rg-demo', '-n', 'aks-demo'];
        expect((await entra.run(['az', 'aks', 'get-credentials', ...rg, '--file', entra.kubeconfig])).code).toBe(0);
        const convert = ['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', entra.kubeconfig];
        expect((await entra.run(convert)).code).toBe(0);
        const ns = await entra.run(['kubectl', 'get', 'ns', '-o', 'name']);
        expect(ns, caller).toMatchObject({ code: 0, stdout: expect.stringContaining('namespace/kube-system\n') });
        const canI = await entra.run(['kubectl', 'auth', 'can-i', 'create', 'clusterrolebinding']);
        // The seeded owner is in the cluster's admin group; a plain contributor is not.
        expect(canI, caller).toMatchObject(caller === 'owner' ? { code: 0, stdout: 'yes\n' } : { code: 1, stdout: 'no\n' });
      } finally {
        await entra.close();
      }
    }
  });
});
