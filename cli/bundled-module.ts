import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWithCodeCache } from '../kernel/code-cache.js';

type AzureSdk = typeof import('./azure-sdk.js');
type ClientNode = typeof import('./kube-client-node.js');
type Sandbox = typeof import('../sandbox/index.js');

/**
 * The large parts the bundled CLI ships as CommonJS copies with V8's code cache beside them
 * (scripts/bundle-cli.mjs, kernel/code-cache.ts): @kubernetes/client-node, the Azure SDK's
 * resource client and the sandbox. Run
 * from tsc's output or the sources, there is no copy, and the ES module is imported. Each is
 * loaded once per process, so the sandbox's state (its world's owner) is never split in two.
 */
function bundled(name: string): string | undefined {
  const file = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
  return existsSync(file) ? file : undefined;
}

let azureSdk: Promise<AzureSdk> | undefined;
let clientNode: Promise<ClientNode> | undefined;
let sandbox: Promise<Sandbox> | undefined;

export function loadAzureSdk(): Promise<AzureSdk> {
  return (azureSdk ??= (async () => {
    const file = bundled('azure-sdk');
    return file ? loadWithCodeCache<AzureSdk>(file).exports : import('./azure-sdk.js');
  })());
}

export function loadClientNode(): Promise<ClientNode> {
  return (clientNode ??= (async () => {
    const file = bundled('kube-client-node');
    return file ? loadWithCodeCache<ClientNode>(file).exports : import('./kube-client-node.js');
  })());
}

export function loadSandbox(): Promise<Sandbox> {
  return (sandbox ??= (async () => {
    const file = bundled('sandbox');
    return file ? loadWithCodeCache<Sandbox>(file).exports : import('../sandbox/index.js');
  })());
}
