// @ts-check
/**
 * Writes V8's code cache for the CommonJS copy of @kubernetes/client-node that `npm run build`
 * bundles (dist/bin/kube-client-node.cjs.cache), in a process of its own so the cache matches a
 * plain `node` run. The bundle is run and its three classes made once first, so the cache holds
 * what a run compiles, not only the top level. See kernel/code-cache.ts.
 */
import { writeFileSync } from 'node:fs';
import { makeCodeCache } from '../dist/kernel/code-cache.js';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: node scripts/make-code-cache.mjs <bundle.cjs>');
const cache = makeCodeCache(file, (exports) => {
  const k8s = /** @type {typeof import('@kubernetes/client-node')} */ (exports);
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  k8s.KubernetesObjectApi.makeApiClient(kc);
  new k8s.Watch(kc);
});
writeFileSync(`${file}.cache`, cache);
