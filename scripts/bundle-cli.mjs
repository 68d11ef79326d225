// @ts-check
/**
 * The second half of `npm run build`: bundles the CLI (bin/ratify-runbook.ts and everything it
 * imports, its dependencies included) into dist/bin/: the entry, plus one chunk per lazy import
 * (each command, the sandbox, the cluster client...), so `--help` still loads only what it needs.
 *
 * Why: Node 20 loads ES modules file by file. An instant sandbox run loaded about 1,260 of them
 * (826 from @kubernetes/client-node alone), which cost about 0.9 s of a 2.6 s run on one core.
 * tsc's file-per-module output stays in dist/ for what is started by path: the sandbox's owner
 * process and fake tools, and the benches.
 *
 * esbuild-wasm is esbuild compiled to WebAssembly and shipped inside its npm package: nothing is
 * downloaded at install or build time.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
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
  // CommonJS dependencies call require() for Node's built-ins, which an ES module lacks.
  banner: { js: "import { createRequire as __rrCreateRequire } from 'node:module'; const require = __rrCreateRequire(import.meta.url);" },
  // Whitespace and syntax only: names stay, so a stack trace still says which function failed.
  minifyWhitespace: true,
  minifySyntax: true,
  // See the file: node-fetch loads whatwg-url, and never uses it on Node 20.
  alias: { 'whatwg-url': './scripts/bundle-shims/whatwg-url.mjs' },
  logLevel: 'warning',
  plugins: [pureKubernetesClient],
});

// The large parts a sandbox run loads, once more as CommonJS files with V8's code cache
// beside each (cli/bundled-module.ts loads these copies when they are there): Node 20 caches no
// ES module's compiled code, and compiling them took every run's one thread tens of ms. The
// sandbox finds the package root from its own file (kernel/package-root.ts): import.meta.url
// becomes that file's URL.
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
    minifyWhitespace: true,
    minifySyntax: true,
    alias: { 'whatwg-url': './scripts/bundle-shims/whatwg-url.mjs' },
    logLevel: 'warning',
    plugins: [pureKubernetesClient, builtinsImportedLater, ...(name === 'cli' ? [copiesStayApart] : [])],
  });
  execFileSync(process.execPath, [`${root}scripts/make-code-cache.mjs`, name, `${outdir}/${name}.cjs`], { stdio: 'inherit' });
}
