// @ts-check
/**
 * The second half of `npm run build`, after tsc: bundles what a run loads into dist/bin/.
 *
 * - The large parts, as CommonJS files with V8's code cache beside each: the CLI (cli/main.ts and
 *   all it imports, dependencies included), the sandbox, @kubernetes/client-node and the Azure
 *   SDK's resource client. Node 20 loads ES modules file by file and caches none of their compiled
 *   code (module.enableCompileCache is Node 22): an instant sandbox run once loaded about 1,260
 *   modules, and even bundled as ES modules, resolving and compiling them took its one thread
 *   about 150 ms. kernel/code-cache.ts loads these copies (cli/load-cli.ts, cli/bundled-module.ts).
 * - The two entries as small ES modules: bin/ratify-runbook.ts (answers --help from its texts, or
 *   loads the CLI's copy) and bin/sandbox-owner.ts (a workshop's world owner process).
 *
 * Each copy falls back to tsc's ES modules in dist/ when it is missing; tsc's output also stays for
 * what is started by path (the sandbox's fake tools) and the benches.
 *
 * esbuild-wasm is esbuild compiled to WebAssembly and shipped inside its npm package: nothing is
 * downloaded at install or build time.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild-wasm';

/**
 * @kubernetes/client-node's modules only declare things, but its package.json does not say so
 * (no "sideEffects": false), so a bundler keeps every module an import reaches, used or not.
 * Saying it here lets esbuild drop the unused ones: the cluster client's chunk is 0.74 MB with
 * this, 0.88 MB without.
 * @type {import('esbuild-wasm').Plugin}
 */
const pureKubernetesClient = {
  name: 'pure-kubernetes-client',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || !/@kubernetes[\\/]client-node|^\.\.?\//.test(args.path)) return undefined;
      if (!args.importer.includes('@kubernetes/client-node') && !args.path.startsWith('@kubernetes/client-node')) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (r.errors.length) return undefined;
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * A CommonJS copy runs in a vm.Script (kernel/code-cache.ts), where an import() left in the code
 * throws (Node 20 runs it only with --experimental-vm-modules). esbuild turns import() of a
 * bundled module into a require(), but leaves import() of Node's built-ins: each of those
 * becomes a module that requires it.
 * @type {import('esbuild-wasm').Plugin}
 */
const builtinsImportedLater = {
  name: 'builtins-imported-later',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || !isBuiltin(args.path)) return undefined;
      return { path: args.path, namespace: 'builtin-module' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-module' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * cli/bundled-module.ts imports client-node, the sandbox and the Azure SDK as ES modules only when
 * their CommonJS copies are missing, which never happens next to cli.cjs: those imports become a
 * module that says so, instead of a second copy of each inside the CLI's.
 * @type {import('esbuild-wasm').Plugin}
 */
const copiesStayApart = {
  name: 'copies-stay-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*(kube-client-node|azure-sdk|sandbox\/index)\.js$/ }, (args) => {
      if (!args.importer.endsWith('bundled-module.ts')) return undefined;
      return { path: args.path, namespace: 'missing-copy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'missing-copy' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path}: its CommonJS copy is missing from dist/bin (run npm run build)`)});`,
      loader: 'js',
    }));
  },
};

/**
 * The entries import the CLI, the sandbox, client-node and the Azure SDK as ES modules only when
 * their CommonJS copies are missing: from tsc's files in dist/, not from a second bundled copy.
 * @type {import('esbuild-wasm').Plugin}
 */
const fallbacksFromTsc = {
  name: 'fallbacks-from-tsc',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*(main|kube-client-node|azure-sdk|sandbox\/index)\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import' || !/(load-cli|bundled-module)\.ts$/.test(args.importer)) return undefined;
      // From dist/bin/, where every entry sits, to the same file of tsc's output.
      const fromRoot = relative(root, resolve(args.resolveDir, args.path)).split(sep).join('/');
      return { path: `../${fromRoot}`, external: true };
    });
  },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bin`;

// Chunk names change with their content: drop the last build's before writing this one.
await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { 'ratify-runbook': 'bin/ratify-runbook.ts', 'sandbox-owner': 'bin/sandbox-owner.ts' },
  outdir,
  // Every chunk sits next to the entry, one folder below the package root, as tsc's files do.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // Whitespace and syntax only: names stay, so a stack trace still says which function failed.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [fallbacksFromTsc],
});

// The copies, each with its code cache. A copy finds the package root from its own file
// (kernel/package-root.ts): import.meta.url becomes that file's URL.
for (const [name, entry] of [
  ['kube-client-node', 'cli/kube-client-node.ts'],
  ['sandbox', 'sandbox/index.ts'],
  // After the sandbox: its cache is made against a sandbox world.
  ['azure-sdk', 'cli/azure-sdk.ts'],
  // Last: its cache is made by a sandbox run, which loads the three copies above.
  ['cli', 'cli/main.ts'],
]) {
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    banner: { js: "var __rrImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__rrImportMetaUrl' },
    // Whitespace and syntax only: names stay, so a stack trace still says which function failed.
    minifyWhitespace: true,
    minifySyntax: true,
    // See the files: node-fetch loads whatwg-url, and never uses it on Node 20; client-node loads
    // socks-proxy-agent, and uses it only for a SOCKS proxy.
    alias: {
      'whatwg-url': './scripts/bundle-shims/whatwg-url.mjs',
      'socks-proxy-agent': './scripts/bundle-shims/socks-proxy-agent.cjs',
    },
    logLevel: 'warning',
    plugins: [pureKubernetesClient, builtinsImportedLater, ...(name === 'cli' ? [copiesStayApart] : [])],
  });
  execFileSync(process.execPath, [`${root}scripts/make-code-cache.mjs`, name, `${outdir}/${name}.cjs`], { stdio: 'inherit' });
}
