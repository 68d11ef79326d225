// @ts-check
/**
 * Writes V8's code cache for a CommonJS copy that `npm run build` bundles (dist/bin/<name>.cjs ->
 * <name>.cjs.cache), in a process of its own so the cache matches a plain `node` run. The copy is
 * run and used once first (client-node's three classes made; a sandbox world started and seeded in
 * a temporary folder, and a few tool calls answered), so the cache holds what a run compiles, not
 * only the top level.
 * See kernel/code-cache.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { makeCodeCache } from '../dist/kernel/code-cache.js';

const [name, file] = process.argv.slice(2);
if (!name || !file) throw new Error('usage: node scripts/make-code-cache.mjs <kube-client-node|sandbox> <bundle.cjs>');

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
    const worldDir = mkdtempSync(join(tmpdir(), 'rr-code-cache-'));
    try {
      const handle = await sandbox.startSandbox({ worldDir, latency: 'instant' });
      try {
        await handle.seed({ resourceGroup: 'rg', aksName: 'aks', acrName: 'acr', location: 'eastus' });
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
      } finally {
        await handle.close();
      }
    } finally {
      rmSync(worldDir, { recursive: true, force: true });
    }
  },
};
const exercise = exercises[name];
if (!exercise) throw new Error(`no exercise for ${name}`);
writeFileSync(`${file}.cache`, await makeCodeCache(file, exercise));
