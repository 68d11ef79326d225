import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads a self-contained CommonJS bundle with V8's code cache for it (`<file>.cache`, written
 * next to it by `npm run build`, see scripts/make-code-cache.mjs). Node 20 has no compile
 * cache for ES modules (module.enableCompileCache is Node 22), and compiling
 * @kubernetes/client-node's 0.7 MB took the run's one thread 25-35 ms on every run, while
 * every other step waited. V8 checks the cache against its own version and flags, but of the
 * source only its length: so the cache starts with the SHA-256 of the source it was made from,
 * and is used only for that source. A cache refused (another Node, another file) only means
 * compiling as usual.
 */

export interface CachedLoad<T> {
  readonly exports: T;
  /** True when V8 refused the cache (or there was none) and compiled the source. */
  readonly compiled: boolean;
}

/** The cache file starts with the SHA-256 of the source it belongs to. */
const DIGEST_BYTES = 32;
const digestOf = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();

/** The file's text. An ASCII file (esbuild escapes what it can) decodes faster as latin1, to the same string. */
const textOf = (bytes: Buffer): string => bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');

/** Runs a wrapped CommonJS file as require() would, with a require() of its own, and returns what it exports. */
function runScript<T>(script: Script, file: string): T {
  const module = { exports: {} as T };
  type Wrapper = (exports: T, require: NodeRequire, module: { exports: T }, filename: string, dirname: string) => void;
  (script.runInThisContext() as Wrapper)(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

export function loadWithCodeCache<T>(file: string, cacheFile = `${file}.cache`): CachedLoad<T> {
  const bytes = readFileSync(file);
  const saved = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const cachedData = saved && saved.subarray(0, DIGEST_BYTES).equals(digestOf(bytes)) ? saved.subarray(DIGEST_BYTES) : undefined;
  const script = new Script(Module.wrap(textOf(bytes)), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const exports = runScript<T>(script, file);
  return { exports, compiled: !cachedData || script.cachedDataRejected === true };
}

/** The code cache of a bundle after running it (and whatever `exercise` runs): what loadWithCodeCache reads. */
export async function makeCodeCache(file: string, exercise: (exports: unknown) => Promise<void> | void = () => {}): Promise<Buffer> {
  const bytes = readFileSync(file);
  const script = new Script(Module.wrap(textOf(bytes)), { filename: file });
  const exports = runScript<unknown>(script, file);
  await exercise(exports);
  // Made after running: it then holds the functions compiled while running, not only the top level.
  return Buffer.concat([digestOf(bytes), script.createCachedData()]);
}
