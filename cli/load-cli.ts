import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWithCodeCache } from '../kernel/code-cache.js';

type Cli = typeof import('./main.js');

/**
 * The CLI itself (cli/main.ts and all it loads), for the entry in bin/. `npm run build` also
 * bundles it as one CommonJS file, dist/bin/cli.cjs, with V8's code cache beside it, made after a
 * sandbox run (scripts/bundle-cli.mjs, scripts/make-code-cache.mjs). Node 20 has no compile cache
 * for ES modules: resolving, compiling and first running the CLI's modules took an instant run's
 * one thread about 150 ms, about 1.8x `node -e 0`. Run from tsc's output or the sources, there is
 * no copy, and the ES module is imported.
 */
export async function loadCli(): Promise<Cli> {
  const file = fileURLToPath(new URL('./cli.cjs', import.meta.url));
  return existsSync(file) ? loadWithCodeCache<Cli>(file).exports : import('./main.js');
}
