import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { newWorld } from '../../sandbox/world/seed.js';
import { loadWorld, WorldStore } from '../../sandbox/world/store.js';
import { trackChanges } from '../../sandbox/world/tracked.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { runFlow } from '../helpers/sandbox-flow.js';
import { openWorld } from '../helpers/sandbox-world.js';

/**
 * The sandbox is the cloud: once a tool call has answered, its change survives any kill of any
 * process. The world's owner runs in a child process here so the test can SIGKILL it.
 */
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sbx-durable-'));
  dirs.push(d);
  return d;
};
beforeAll(() => ensureToolsBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ownerScript = join(import.meta.dirname, '..', '..', 'dist', 'bin', 'sandbox-owner.js');

async function startOwner(worldDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ownerScript, worldDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
  });
  return child;
}

function tool(worldDir: string, argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, PATH: [join(worldDir, 'bin'), process.env.PATH ?? ''].join(delimiter), HOME: worldDir };
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a change whose call answered survives kill -9', () => {
  test('of the world owner, killed while writes are in flight: every answered create is in the reloaded world', async () => {
    const worldDir = join(tmp(), 'sandbox');
    const owner = await startOwner(worldDir);
    expect((await tool(worldDir, ['az', 'group', 'create', '-n', 'rg-durable', '-l', 'eastus', '-o', 'none'])).code).toBe(0);
    const answered: string[] = [];
    let killed = false;
    const calls = Array.from({ length: 40 }, (_, i) => `id-durable-${i}`).map(async (name, i) => {
      // Staggered so that calls are still arriving when the owner dies.
      await new Promise((r) => setTimeout(r, i * 3));
      const result = await tool(worldDir, ['az', 'identity', 'create', '-n', name, '-g', 'rg-durable', '-o', 'none']);
      if (result.code === 0) answered.push(name);
      if (answered.length === 12 && !killed) {
        killed = true;
        owner.kill('SIGKILL');
      }
    });
    await Promise.all(calls);
    expect(killed).toBe(true);
    expect(answered.length).toBeGreaterThanOrEqual(12);
    const world = loadWorld(worldDir);
    const identities = Object.values(world?.arm ?? {})
      .filter((r) => r.type === 'Microsoft.ManagedIdentity/userAssignedIdentities')
      .map((r) => r.name);
    for (const name of answered) expect(identities, name).toContain(name);

    // A new owner takes the world over from the journal, and serves what was answered.
    const next = await startOwner(worldDir);
    const last = answered.at(-1)!;
    const shown = await tool(worldDir, ['az', 'identity', 'show', '-n', last, '-g', 'rg-durable', '--query', 'name', '-o', 'tsv']);
    expect(shown).toMatchObject({ code: 0, stdout: `${answered.at(-1)}\n` });
    next.kill('SIGTERM');
    await new Promise((r) => next.once('exit', r));
    // A clean shutdown folds the journal into world.json.
    expect(readdirSync(worldDir).filter((f) => f.startsWith('journal-'))).toEqual([]);
  }, 60_000);

  test('a Kubernetes write (kubectl apply) is durable too', async () => {
    const worldDir = join(tmp(), 'sandbox');
    const owner = await startOwner(worldDir);
    for (const argv of [
      ['az', 'group', 'create', '-n', 'rg-k', '-l', 'eastus', '-o', 'none'],
      ['az', 'aks', 'create', '-g', 'rg-k', '-n', 'aks-k', '-o', 'none'],
      ['az', 'aks', 'get-credentials', '-g', 'rg-k', '-n', 'aks-k', '--file', join(worldDir, 'kubeconfig')],
    ]) {
      const r = await tool(worldDir, argv);
      expect(r.code, r.stderr).toBe(0);
    }
    const env = `KUBECONFIG=${join(worldDir, 'kubeconfig')}`;
    const created = await tool(worldDir, ['env', env, 'kubectl', 'create', 'namespace', 'durable-ns']);
    expect(created.code, created.stderr).toBe(0);
    owner.kill('SIGKILL');
    await new Promise((r) => owner.once('exit', r));
    const cluster = Object.values(loadWorld(worldDir)?.clusters ?? {})[0];
    expect(Object.keys(cluster?.objects ?? {})).toContain('Namespace//durable-ns');
  }, 60_000);
});

describe('the journal', () => {
  test('replays on load; a torn last line (never acknowledged) is ignored; a damaged line before good ones is an error', async () => {
    const worldDir = join(tmp(), 'w');
    const store = await WorldStore.open(worldDir, newWorld);
    store.view.extensions.first = '1';
    await store.commit();
    store.view.extensions.second = '2';
    delete store.view.extensions['aks-preview'];
    await store.commit();
    const journal = readdirSync(worldDir).find((f) => f.startsWith('journal-'))!;
    // No close(): as if the owner were killed. world.json alone does not have the changes.
    expect(JSON.parse(readFileSync(join(worldDir, 'world.json'), 'utf8')).extensions).toEqual({ 'aks-preview': '13.0.0b7' });
    appendFileSync(join(worldDir, journal), '{"seq":3,"ops":[[["extensions","torn"],"x');
    expect(loadWorld(worldDir)?.extensions).toEqual({ first: '1', second: '2' });

    writeFileSync(join(worldDir, journal), readFileSync(join(worldDir, journal), 'utf8').replace('"seq":1', '"seq":1,,'));
    expect(() => loadWorld(worldDir)).toThrow(/line 1 is damaged/);
    await store.close(); // its journal's file handle, which a killed owner's OS would close
  });

  test('compaction: a snapshot plus a new journal file, and the world reloads the same', async () => {
    const worldDir = join(tmp(), 'w');
    const store = await WorldStore.open(worldDir, newWorld, { compactAfterBytes: 2_000 });
    for (let i = 0; i < 60; i++) {
      store.view.extensions[`ext-${i}`] = 'x'.repeat(100);
      if (i % 7 === 0) delete store.view.extensions[`ext-${i - 1}`];
      await store.commit();
    }
    // Let a compaction that started with the last commit finish.
    await new Promise((r) => setTimeout(r, 200));
    const journals = readdirSync(worldDir).filter((f) => f.startsWith('journal-'));
    expect(journals.length).toBe(1);
    expect(Number(/journal-(\d+)/.exec(journals[0]!)![1])).toBeGreaterThan(1);
    expect(JSON.parse(readFileSync(join(worldDir, 'world.json'), 'utf8')).journalSeq).toBeGreaterThan(0);
    expect(loadWorld(worldDir)?.extensions).toEqual(JSON.parse(JSON.stringify(store.raw.extensions)));
    await store.close();
    expect(readdirSync(worldDir).filter((f) => f.startsWith('journal-'))).toEqual([]);
    expect(loadWorld(worldDir)?.extensions).toEqual(JSON.parse(JSON.stringify(store.raw.extensions)));
  });
});

/** Every write and fdatasync made through a FileHandle (the journal's), in order. */
async function journalOps(dir: string): Promise<{ ops: string[] }> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const log = { ops: [] as string[] };
  const write = proto.write;
  const datasync = proto.datasync;
  vi.spyOn(proto, 'write').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
    log.ops.push('write');
    return (write as (...a: unknown[]) => ReturnType<FileHandle['write']>).apply(this, args);
  });
  vi.spyOn(proto, 'datasync').mockImplementation(function (this: FileHandle) {
    log.ops.push('sync');
    return datasync.call(this);
  });
  return log;
}

describe('commits within a tool call', () => {
  afterEach(() => vi.restoreAllMocks());

  test('are written at once and made durable by the next durable commit, or by a read', async () => {
    const worldDir = join(tmp(), 'w');
    const store = await WorldStore.open(worldDir, newWorld);
    const log = await journalOps(worldDir);
    store.view.extensions.a = '1';
    await store.commit({ durable: false });
    store.view.extensions.b = '2';
    await store.commit({ durable: false });
    // Written (a reload sees both), not yet synced.
    expect(log.ops).toEqual(['write', 'write']);
    expect(loadWorld(worldDir)?.extensions).toMatchObject({ a: '1', b: '2' });
    // A read by anyone else waits for them to be durable: one fdatasync covers both.
    await store.settled();
    expect(log.ops).toEqual(['write', 'write', 'sync']);
    await store.settled();
    expect(log.ops).toEqual(['write', 'write', 'sync']);
    store.view.extensions.c = '3';
    await store.commit({ durable: false });
    store.view.extensions.d = '4';
    await store.commit();
    expect(log.ops.slice(3)).toEqual(['write', 'write', 'sync']);
    await store.close();
  });

  test("a fake helm install's API writes share one fdatasync, and the call answers once all of them are durable", async () => {
    const w = await openWorld({ latency: 'instant' });
    const log = await journalOps(w.dir);
    const run = w.run;
    let during: string[] = [];
    w.run = async (argv, ...rest) => {
      const from = log.ops.length;
      const result = await run(argv, ...rest);
      if (argv[0] === 'helm' && argv[1] === 'upgrade') during = log.ops.slice(from);
      return result;
    };
    try {
      const r = await runFlow(w);
      expect(r.failedAt).toBeUndefined();
      // ~25 objects and a release record, each an API write of its own...
      expect(during.filter((op) => op === 'write').length).toBeGreaterThan(10);
      // ...made durable together, before the answer: nothing written after the last fdatasync.
      expect(during.filter((op) => op === 'sync').length).toBeLessThanOrEqual(3);
      expect(during.at(-1)).toBe('sync');
    } finally {
      vi.restoreAllMocks();
      await w.close();
    }
  }, 60_000);
});

describe('the change tracker', () => {
  test('finds nested writes, pushes and deletes, at the entry depth of each collection', () => {
    const world = {
      arm: { a: { properties: { x: 1 } }, b: { properties: {} } },
      clusters: { c: { objects: { o: { spec: {} } }, logs: [] as string[] } },
      seeded: [] as string[],
    };
    const t = trackChanges(world);
    t.view.arm.a.properties.x = 2;
    t.view.clusters.c.objects.o.spec = { y: 1 };
    t.view.clusters.c.logs.push('line');
    t.view.seeded.push('s');
    delete (t.view.arm as Record<string, unknown>).b;
    expect(
      t
        .take()
        .map((p) => p.join('/'))
        .sort(),
    ).toEqual(['arm/a', 'arm/b', 'clusters/c/logs', 'clusters/c/objects/o', 'seeded']);
    expect(t.take()).toEqual([]);
    expect(world.arm.a.properties.x).toBe(2);
  });

  test('an entry inside a changed one is not listed twice; values stored are raw objects, never views', () => {
    const world = {
      clusters: { c: { objects: { o: { n: 1 } } as Record<string, { n: number }> } },
      arm: { a: { tags: {} as Record<string, string> } },
    };
    const t = trackChanges(world);
    t.view.clusters.c.objects.o!.n = 2;
    t.view.clusters.c = { objects: { moved: t.view.clusters.c.objects.o! } };
    expect(t.take().map((p) => p.join('/'))).toEqual(['clusters/c']);
    // structuredClone refuses proxies: it works only if the stored value is raw all the way down.
    expect(structuredClone(world.clusters.c)).toEqual({ objects: { moved: { n: 2 } } });
    const moved = t.view.clusters.c.objects.moved!;
    moved.n = 3;
    expect(t.take().map((p) => p.join('/'))).toEqual(['clusters/c/objects/moved']);
  });

  test('a view read again is the same view; one whose object was replaced, moved or deleted records its new place', () => {
    const world = { clusters: { c: { objects: { a: { n: 1 }, b: { n: 2 } } as Record<string, { n: number }> } } };
    const t = trackChanges(world);
    const objects = t.view.clusters.c.objects;
    expect(objects.a).toBe(objects.a); // kept, not made again on each read
    const a = objects.a!;
    objects.b = a; // the same raw object under another key
    t.take();
    objects.b.n = 5;
    expect(t.take().map((p) => p.join('/'))).toEqual(['clusters/c/objects/b']);
    objects.a = { n: 7 }; // replaced: a read gives a view of the new object
    t.take();
    expect(objects.a.n).toBe(7);
    delete objects.a;
    expect(objects.a).toBeUndefined();
    // The raw world changed behind the view (the journal's replay writes raw): the view follows.
    world.clusters.c.objects.a = { n: 9 };
    expect(objects.a!.n).toBe(9);
    objects.a!.n = 10;
    expect(t.take().map((p) => p.join('/'))).toEqual(['clusters/c/objects/a']);
  });
});
