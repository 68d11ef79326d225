import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWithCodeCache } from '../../kernel/code-cache.js';
import { REPO } from '../helpers/cli.js';

type Lib = { greet(name: string): string; platform: string };
type Sandbox = typeof import('../../sandbox/index.js');
type Handle = Awaited<ReturnType<Sandbox['startSandbox']>>;

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

/** Runs `use` on a new seeded world of `sandbox` (a copy's exports), then closes and removes it. */
async function withSeededWorld(sandbox: Sandbox, use: (handle: Handle, worldDir: string) => Promise<void>): Promise<void> {
  const worldDir = await mkdtemp(join(tmpdir(), 'rr-codecache-world-'));
  const handle = await sandbox.startSandbox({ worldDir, latency: 'instant' });
  try {
    await handle.seed({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', aksName: 'aks', acrName: 'acr', location: 'eastus' });
    await use(handle, worldDir);
  } finally {
    await handle.close();
    await rm(worldDir, { recursive: true, force: true });
  }
}

describe('loading a CommonJS bundle with its V8 code cache', () => {
  it('uses the cache made after running it; a damaged or missing cache only means compiling as usual', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rr-codecache-'));
    // Each case its own source: V8 keeps what this process compiled, and would answer from that.
    const lib = async (name: string, word: string): Promise<string> => {
      const file = join(dir, `${name}.cjs`);
      await writeFile(file, `const os = require('node:os'); exports.greet = (n) => \`${word} \${n}\`; exports.platform = os.platform();\n`);
      return file;
    };
    // As the build does: the cache is made by a node process of its own.
    const cacheInChild = (file: string): void => {
      const script = `import { writeFileSync } from 'node:fs'; import { makeCodeCache } from ${JSON.stringify(join(REPO, 'dist/kernel/code-cache.js'))};
writeFileSync(process.argv[1] + '.cache', await makeCodeCache(process.argv[1], (e) => e.greet('warm')));`;
      execFileSync(process.execPath, ['--input-type=module', '-e', script, file]);
    };

    const none = loadWithCodeCache<Lib>(await lib('none', 'hello'));
    expect(none.compiled).toBe(true);
    expect(none.exports.greet('kv')).toBe('hello kv');

    const cachedFile = await lib('cached', 'hi');
    cacheInChild(cachedFile);
    const cached = loadWithCodeCache<Lib>(cachedFile);
    expect(cached.compiled).toBe(false);
    expect(cached.exports.greet('kv')).toBe('hi kv');
    expect(cached.exports.platform).toBe(process.platform);

    const damagedFile = await lib('damaged', 'hey');
    await writeFile(`${damagedFile}.cache`, Buffer.from('not a code cache'));
    const damaged = loadWithCodeCache<Lib>(damagedFile);
    expect(damaged.compiled).toBe(true);
    expect(damaged.exports.greet('kv')).toBe('hey kv');

    // The file changed under its cache, to a source of the same length (all V8 itself compares):
    // the cache is not used, and the new code runs.
    const changedFile = await lib('changed', 'yo');
    cacheInChild(changedFile);
    await lib('changed', 'ya');
    const changed = loadWithCodeCache<Lib>(changedFile);
    expect(changed.compiled).toBe(true);
    expect(changed.exports.greet('kv')).toBe('ya kv');
    await rm(dir, { recursive: true, force: true });
  });

  it("the build's copy of @kubernetes/client-node loads from its cache and gives the three classes the runbook uses", () => {
    const loaded = loadWithCodeCache<typeof import('../../cli/kube-client-node.js')>(join(REPO, 'dist/bin/kube-client-node.cjs'));
    expect(loaded.compiled).toBe(false);
    const kc = new loaded.exports.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
      users: [{ name: 'u', token: 'hex' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(typeof loaded.exports.KubernetesObjectApi.makeApiClient(kc).list).toBe('function');
    expect(typeof new loaded.exports.Watch(kc).watch).toBe('function');
  });

  it("the build's client-node still reaches a cluster through a SOCKS proxy-url (its agent is loaded only then)", async () => {
    const loaded = loadWithCodeCache<typeof import('../../cli/kube-client-node.js')>(join(REPO, 'dist/bin/kube-client-node.cjs'));
    const kc = new loaded.exports.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false, proxyUrl: 'socks5://127.0.0.1:1080' }],
      users: [{ name: 'u', token: 'hex' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const options: { agent?: { constructor: { name: string }; proxy?: { host?: string; port?: number } } } = {};
    await kc.applyToHTTPSOptions(options);
    // The real socks-proxy-agent's agent, with the proxy it was given.
    expect(options.agent?.constructor.name).toMatch(/^SocksProxyAgent\d*$/);
    expect(options.agent?.proxy).toMatchObject({ host: '127.0.0.1', port: 1080 });
  });

  it("the build's copy of the sandbox loads from its cache and starts, seeds and closes a world", async () => {
    const loaded = loadWithCodeCache<Sandbox>(join(REPO, 'dist/bin/sandbox.cjs'));
    expect(loaded.compiled).toBe(false);
    await withSeededWorld(loaded.exports, async (handle, worldDir) => {
      expect(handle.profile.kind).toBe('sandbox');
      // The package root is found from the copy's own file: the fake az runs the built tools.
      expect(await readFile(join(worldDir, 'bin', 'az'), 'utf8')).toContain(join(REPO, 'dist', 'sandbox', 'tools', 'az.js'));
    });
  });

  it("the build's copy of the Azure SDK loads from its cache and reads a sandbox world's resource by id", async () => {
    const sdk = loadWithCodeCache<typeof import('../../cli/azure-sdk.js')>(join(REPO, 'dist/bin/azure-sdk.cjs'));
    expect(sdk.compiled).toBe(false);
    const sandbox = loadWithCodeCache<Sandbox>(join(REPO, 'dist/bin/sandbox.cjs')).exports;
    await withSeededWorld(sandbox, async ({ profile }) => {
      const client = new sdk.exports.ResourceManagementClient(profile.credential, SUBSCRIPTION, {
        endpoint: profile.armEndpoint,
        tlsOptions: { ca: [profile.tlsCa!] },
      });
      const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`;
      expect((await client.resources.getById(id, '2024-05-01')).name).toBe('aks');
      const request = sdk.exports.createPipelineRequest({ url: `${profile.armEndpoint}${id}?api-version=2024-05-01`, method: 'GET' });
      expect((await client.sendRequest(request)).status).toBe(200);
    });
  });

  it("the build's copy of the CLI loads from its cache and answers; no import() is left in it (a vm.Script cannot run one)", async () => {
    const cli = loadWithCodeCache<typeof import('../../cli/main.js')>(join(REPO, 'dist/bin/cli.cjs'));
    expect(cli.compiled).toBe(false);
    let out = '';
    const stdout = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream;
    const io = {
      argv: ['--version'],
      env: {},
      cwd: REPO,
      stdout,
      stderr: stdout,
      stdin: process.stdin,
      signal: new AbortController().signal,
    };
    expect(await cli.exports.main(io as unknown as Parameters<typeof cli.exports.main>[0])).toBe(0);
    expect(out.trim()).toBe((JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    // Every lazy import of the CLI is a require() in the copy: a plain import( would throw when reached.
    expect(await readFile(join(REPO, 'dist/bin/cli.cjs'), 'utf8')).not.toMatch(/\bimport\(/);
  });
});
