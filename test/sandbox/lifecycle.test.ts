import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseLatency, startSandbox } from '../../sandbox/index.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { openWorld, type TestWorld } from '../helpers/sandbox-world.js';
import { makeZombie } from '../helpers/zombie.js';
import { processIdentity } from '../../kernel/process-alive.js';

/** Persistence, owner/client, call log, faults, `sandbox exec`, seeding. */
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sbx-life-'));
  dirs.push(d);
  return d;
};

beforeAll(() => ensureToolsBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('world ownership and persistence', () => {
  test('a closing owner folds its journal into world.json; a restarted owner reloads it', async () => {
    const dir = tmp();
    const w1 = await openWorld({ dir });
    expect((await w1.run(['az', 'keyvault', 'create', '-n', 'kv-persist', '-g', 'rg-demo', '-o', 'none'])).code).toBe(0);
    await w1.close();
    const saved = JSON.parse(readFileSync(join(dir, 'sandbox', 'world.json'), 'utf8')) as { vaults: Record<string, unknown> };
    const savedVaults = saved.vaults;
    expect(savedVaults).toHaveProperty('kv-persist');
    expect(existsSync(join(dir, 'sandbox', 'server.json'))).toBe(false);
    const w2 = await openWorld({ dir });
    expect(await w2.run(['az', 'keyvault', 'show', '-n', 'kv-persist', '--query', 'name', '-o', 'tsv'])).toMatchObject({
      code: 0,
      stdout: 'kv-persist\n',
    });
    await w2.close();
  });

  test('a second startSandbox on a live world connects to its owner; a stale owner is taken over', async () => {
    const dir = join(tmp(), 'sandbox');
    const owner = await startSandbox({ worldDir: dir });
    const client = await startSandbox({ worldDir: dir });
    expect(client.profile.armEndpoint).toBe(owner.profile.armEndpoint);
    await client.seed({ resourceGroup: 'rg-a', aksName: 'aks-a', acrName: 'acrattendee01' });
    await client.close();
    const rg = await owner.profile.credential.getToken('https://management.azure.com/.default');
    expect(rg?.token).toBeTruthy();
    await owner.close();
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: 2 ** 22 + 12345, rpcPort: 1, armPort: 1, key: 'x', startedAt: '' }));
    writeFileSync(join(dir, 'owner.lock'), String(2 ** 22 + 12345));
    const next = await startSandbox({ worldDir: dir });
    expect(next.profile.armEndpoint).not.toBe(owner.profile.armEndpoint);
    const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { pid: number };
    expect(info.pid).toBe(process.pid);
    const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as { seeded: string[] };
    expect(world.seeded.some((k) => k.includes('rg-a'))).toBe(true);
    await next.close();
  });

  test('an owner killed but not collected yet (a zombie, under an init that never reaps) is taken over at once', async () => {
    const dir = join(tmp(), 'sandbox');
    const first = await startSandbox({ worldDir: dir });
    await first.close();
    const zombie = await makeZombie();
    try {
      writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: zombie.pid, rpcPort: 1, armPort: 1, key: 'x', startedAt: '' }));
      writeFileSync(join(dir, 'owner.lock'), String(zombie.pid));
      const started = performance.now();
      const next = await startSandbox({ worldDir: dir });
      // The election waits for a live lock holder (50 ms a try, 10 s in all) before it gives up.
      expect(performance.now() - started).toBeLessThan(2_000);
      expect((JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { pid: number }).pid).toBe(process.pid);
      await next.close();
    } finally {
      zombie.release();
    }
  });

  test('an owner whose pid now belongs to another process (reused after a reboot) is taken over at once', async () => {
    const dir = join(tmp(), 'sandbox');
    const first = await startSandbox({ worldDir: dir });
    await first.close();
    const other = spawn('sleep', ['30']);
    await new Promise((r) => other.once('spawn', r));
    try {
      const [boot, ticks] = processIdentity(other.pid!)!.split('/');
      const recorded = { pid: other.pid, process: `${boot}/${Number(ticks) - 1}`, rpcPort: 1, armPort: 1, key: 'x', startedAt: '' };
      writeFileSync(join(dir, 'server.json'), JSON.stringify(recorded));
      writeFileSync(join(dir, 'owner.lock'), String(other.pid));
      const started = performance.now();
      const next = await startSandbox({ worldDir: dir });
      expect(performance.now() - started).toBeLessThan(2_000);
      const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { pid: number; process?: string };
      expect(info).toMatchObject({ pid: process.pid, process: processIdentity(process.pid) });
      await next.close();
    } finally {
      other.kill('SIGKILL');
    }
  });

  test("a world keeps its speed: without --sandbox-latency the last one applies; a client waits at the owner's", async () => {
    const dir = join(tmp(), 'sandbox');
    const demo = await startSandbox({ worldDir: dir, latency: 'demo' });
    expect(demo.profile.timeScale).toBe(0.01);
    // A client that asks for another speed still waits at the owner's (the owner times the world).
    const client = await startSandbox({ worldDir: dir, latency: 'instant' });
    expect(client.profile.timeScale).toBe(0.01);
    await client.close();
    await demo.close();
    const resumed = await startSandbox({ worldDir: dir });
    expect(resumed.profile.timeScale).toBe(0.01);
    await resumed.close();
    const asked = await startSandbox({ worldDir: dir, latency: 'realistic:0.2' });
    expect(asked.profile.timeScale).toBe(0.2);
    await asked.close();
    // A record this version cannot read falls back to the default.
    writeFileSync(join(dir, 'latency.json'), '{"latency":"warp"}');
    const fallback = await startSandbox({ worldDir: dir });
    expect(fallback.profile.timeScale).toBe(0.001);
    await fallback.close();
  });

  test('seeding is once per answer set and gives each attendee their own resources', async () => {
    const w = await openWorld();
    await w.handle.seed({ resourceGroup: 'rg-demo', aksName: 'aks-demo', acrName: 'acrdemo01' });
    await w.handle.seed({ resourceGroup: 'rg-bob', aksName: 'aks-bob', acrName: 'acrbob001' });
    const clusters = await w.run(['az', 'aks', 'list', '--query', 'length(@)']);
    expect(clusters.stdout).toBe('2\n');
    const fresh = JSON.parse((await w.run(['az', 'aks', 'show', '-g', 'rg-bob', '-n', 'aks-bob'])).stdout) as {
      addonProfiles: { azurepolicy: { enabled: boolean } };
      oidcIssuerProfile: { enabled: boolean };
      securityProfile: { imageIntegrity: { enabled: boolean }; workloadIdentity?: unknown };
    };
    expect(fresh.addonProfiles.azurepolicy.enabled).toBe(true);
    expect(fresh.oidcIssuerProfile.enabled).toBe(true);
    expect(fresh.securityProfile.imageIntegrity.enabled).toBe(true);
    expect(fresh.securityProfile.workloadIdentity).toBeUndefined();
    const sub = (await w.run(['az', 'account', 'show', '--query', 'id', '-o', 'tsv'])).stdout.trim();
    expect(
      (
        await w.run([
          'az',
          'policy',
          'assignment',
          'show',
          '--name',
          'deploy-trustedimages',
          '--scope',
          `/subscriptions/${sub}/resourceGroups/rg-bob`,
          '--query',
          'policyDefinitionId',
          '-o',
          'tsv',
        ])
      ).stdout,
    ).toBe('/providers/Microsoft.Authorization/policySetDefinitions/af28bf8b-c669-4dd3-9137-1e68fdc61bd6\n');
    await w.close();
  });
});

describe('call log and faults', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await openWorld({
      faults: ['az keyvault show=transient*2', 'az acr show=conflict', 'kubectl get=hang', 'az group show=permanent*0'],
    });
  });
  afterAll(async () => w?.close());

  test('calls.jsonl: argv (redacted), exit code, ms, step', async () => {
    const token = (
      await w.run(['az', 'acr', 'login', '-n', 'acrdemo01', '--expose-token', '--query', 'accessToken', '-o', 'tsv'])
    ).stdout.trim();
    await w.run(['notation', 'login', '-u', '00000000-0000-0000-0000-000000000000', '-p', token, 'acrdemo01.azurecr.io'], {
      RATIFY_RUNBOOK_STEP: 'build-and-sign',
    });
    const lines = readFileSync(join(w.dir, 'sandbox', 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; exitCode: number; ms: number; step: string | null });
    const login = lines.find((l) => l.argv[1] === 'login' && l.argv[0] === 'notation')!;
    expect(login).toMatchObject({
      argv: ['notation', 'login', '-u', '00000000-0000-0000-0000-000000000000', '-p', '***', 'acrdemo01.azurecr.io'],
      exitCode: 0,
      step: 'build-and-sign',
    });
    expect(typeof login.ms).toBe('number');
    expect(readFileSync(join(w.dir, 'sandbox', 'calls.jsonl'), 'utf8')).not.toContain(token);
  });

  test('transient*2: the first two matching calls fail with 429, the third succeeds', async () => {
    await w.run(['az', 'keyvault', 'create', '-n', 'kv-fault', '-g', 'rg-demo', '-o', 'none']);
    const a = await w.run(['az', 'keyvault', 'show', '-n', 'kv-fault']);
    const b = await w.run(['az', 'keyvault', 'show', '-n', 'kv-fault']);
    const c = await w.run(['az', 'keyvault', 'show', '-n', 'kv-fault', '--query', 'name', '-o', 'tsv']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^ERROR: \(TooManyRequests\) /);
    expect(b.code).toBe(1);
    expect(c).toMatchObject({ code: 0, stdout: 'kv-fault\n' });
  });

  test('conflict, permanent (*0 = every call), and faults stay with the invocation that named them', async () => {
    expect((await w.run(['az', 'acr', 'show', '-n', 'acrdemo01'])).stderr).toMatch(
      /^ERROR: \(Conflict\) Another operation on this or dependent resource is in progress\./,
    );
    expect((await w.run(['az', 'acr', 'show', '-n', 'acrdemo01'])).code).toBe(0);
    for (let i = 0; i < 2; i++)
      expect((await w.run(['az', 'group', 'show', '-n', 'rg-demo'])).stderr).toMatch(/^ERROR: \(InvalidRequestContent\)/);
    // Another invocation on the same world (no faults) is unaffected.
    const other = await startSandbox({ worldDir: join(w.dir, 'sandbox') });
    const r = await w.run(['az', 'group', 'show', '-n', 'rg-demo', '--query', 'name', '-o', 'tsv'], other.profile.toolEnv);
    await other.close();
    expect(r).toMatchObject({ code: 0, stdout: 'rg-demo\n' });
  });

  test('hang: the call never answers until its caller gives up', async () => {
    const child = spawn('kubectl', ['get', 'pods'], { env: w.env });
    const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      // Ask the server something else: it answers while the hanging call is still open.
      void w.run(['az', 'account', 'show', '-o', 'none']).then(() => child.kill('SIGTERM'));
    });
    expect(outcome).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('sandbox exec and options', () => {
  test('sandbox exec passes stdout, stderr and the exit code through untouched', async () => {
    const dir = join(tmp(), 'sandbox');
    const index = join(import.meta.dirname, '..', '..', 'dist', 'sandbox', 'index.js');
    const script = `import(${JSON.stringify(index)}).then(async (m) => { process.exitCode = await m.sandboxExec(${JSON.stringify(dir)}, ['sh', '-c', 'az account show --query user.type -o tsv; echo to-stderr >&2; az nope; exit 7']); })`;
    const r = await new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
      const c = spawn(process.execPath, ['-e', script]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => resolve({ out, err, code }));
    });
    expect(r).toEqual({ out: 'user\n', err: "to-stderr\nERROR: 'nope' is misspelled or not recognized by the system.\n", code: 7 });
  });

  test('bad latency or fault specs are refused with the allowed forms', async () => {
    await expect(startSandbox({ worldDir: join(tmp(), 's'), latency: 'slow' })).rejects.toThrow(
      /instant \| demo \| realistic \| realistic:SCALE/,
    );
    await expect(startSandbox({ worldDir: join(tmp(), 's'), faults: ['az x=explode'] })).rejects.toThrow(
      /kind one of transient, conflict, propagation, permanent, hang/,
    );
    expect(parseLatency('demo').ms('policySync')).toBeLessThan(10_000);
  });
});
