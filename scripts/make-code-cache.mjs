// @ts-check
/**
 * Writes V8's code cache for a CommonJS copy that `npm run build` bundles (dist/bin/<name>.cjs ->
 * <name>.cjs.cache), in a process of its own so the cache matches a plain `node` run. The copy is
 * run and used once first (client-node's three classes made; a sandbox world started and seeded in
 * a temporary folder, and a few tool calls answered; the Azure SDK's reads sent to such a world; the
 * CLI's help, a plan and a whole sandbox run), so
 * the cache holds what a run compiles, not only the top level.
 * See kernel/code-cache.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeCodeCache } from '../dist/kernel/code-cache.js';

const require = createRequire(import.meta.url);
const [name, file] = process.argv.slice(2);
if (!name || !file) throw new Error('usage: node scripts/make-code-cache.mjs <kube-client-node|sandbox|azure-sdk|cli> <bundle.cjs>');

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

/** Runs `use` on a new seeded world of `sandbox` (a copy's exports) in a temporary folder, then closes and removes it. */
async function withSandboxWorld(sandbox, use) {
  const worldDir = mkdtempSync(join(tmpdir(), 'rr-code-cache-'));
  try {
    const handle = await sandbox.startSandbox({ worldDir, latency: 'instant' });
    try {
      await handle.seed({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', aksName: 'aks', acrName: 'acr', location: 'eastus' });
      await use(handle, worldDir);
    } finally {
      await handle.close();
    }
  } finally {
    rmSync(worldDir, { recursive: true, force: true });
  }
}

/** @type {Record<string, (exports: any) => Promise<void>>} */
const exercises = {
  async 'kube-client-node'(k8s) {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    k8s.KubernetesObjectApi.makeApiClient(kc);
    new k8s.Watch(kc);
  },
  async sandbox(sandbox) {
    await withSandboxWorld(sandbox, async (handle, worldDir) => {
      // Calls of the kinds a run makes most, answered by this process: the command parsers and
      // handlers, the outputs and the Kubernetes API they run are then in the cache too.
      const kubeconfig = join(worldDir, 'kubeconfig');
      const env = {
        ...process.env,
        ...handle.profile.toolEnv,
        PATH: [...handle.profile.toolPath, process.env.PATH ?? ''].join(delimiter),
        KUBECONFIG: kubeconfig,
      };
      for (const argv of [
        ['az', 'account', 'show', '-o', 'json'],
        ['az', 'aks', 'get-credentials', '-g', 'rg', '-n', 'aks', '--file', kubeconfig],
        ['az', 'aks', 'show', '-g', 'rg', '-n', 'aks', '--query', 'oidcIssuerProfile.issuerUrl', '-o', 'tsv'],
        ['az', 'identity', 'create', '-n', 'id', '-g', 'rg', '-l', 'eastus', '-o', 'none'],
        ['kubectl', 'get', 'pods', '-A'],
        ['kubectl', 'create', 'namespace', 'demo'],
        ['helm', 'list', '-A'],
        ['notation', 'version'],
      ]) {
        // A call that fails only leaves its code out of the cache; one that hangs would hang the build.
        await promisify(execFile)(argv[0], argv.slice(1), { env, timeout: 30_000 }).catch(() => {});
      }
    });
  },
};
exercises['azure-sdk'] = async (sdk) => {
  // The reads cli/azure-reader.ts makes: a resource by id (found and missing), a list, and a
  // collection through the client's own pipeline.
  // A world of the sandbox copy built before (scripts/bundle-cli.mjs builds it first).
  await withSandboxWorld(require(join(dirname(file), 'sandbox.cjs')), async ({ profile }) => {
    const client = new sdk.ResourceManagementClient(profile.credential, SUBSCRIPTION, {
      endpoint: profile.armEndpoint,
      tlsOptions: { ca: [profile.tlsCa] },
      retryOptions: { maxRetries: 0 },
    });
    client.pipeline.removePolicy({ name: 'formDataPolicy' });
    const group = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg`;
    await client.resources.getById(`${group}/providers/Microsoft.ContainerService/managedClusters/aks`, '2024-05-01').catch(() => {});
    await client.resources.getById(`${group}/providers/Microsoft.KeyVault/vaults/none`, '2023-07-01').catch(() => {});
    for await (const r of client.resources.list({ filter: "tagName eq 'a' and tagValue eq 'b'" })) void r;
    const url = `${profile.armEndpoint}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`;
    await client.sendRequest(sdk.createPipelineRequest({ url, method: 'GET' })).catch(() => {});
  });
};

exercises.cli = async (cli) => {
  // What a person runs most: the help texts, a plan, and a whole instant sandbox run with its
  // status after (the run loads the copies built before, each with its own cache).
  const stateDir = mkdtempSync(join(tmpdir(), 'rr-code-cache-'));
  const answers = join(dirname(file), '..', '..', 'templates', 'answers', 'demo.yaml');
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const io = (/** @type {string[]} */ argv) => ({
    argv,
    env: { ...process.env, CI: '1' },
    cwd: stateDir,
    stdout: sink,
    stderr: sink,
    stdin: Readable.from([]),
    signal: new AbortController().signal,
    interrupt: () => {},
  });
  try {
    for (const argv of [
      ['--help'],
      ['run', '--help'],
      ['plan', '--answers', answers, '--state-dir', stateDir],
      ['run', '--sandbox', '--sandbox-latency', 'instant', '--non-interactive', '--answers', answers, '--state-dir', stateDir],
      ['status', '--state-dir', stateDir],
    ]) {
      const code = await cli.main(io(argv));
      if (code !== 0) throw new Error(`code cache exercise: \`ratify-runbook ${argv.join(' ')}\` exited ${code}`);
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
};

const exercise = exercises[name];
if (!exercise) throw new Error(`no exercise for ${name}`);
writeFileSync(`${file}.cache`, await makeCodeCache(file, exercise));
