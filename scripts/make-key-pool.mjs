// @ts-check
/**
 * Writes dist/sandbox/rsa-key-pool.json: RSA-2048 key pairs the sandbox's Key Vault gives new
 * certificates (sandbox/key-pool.ts), so a run does not spend 0.1-0.6 s of CPU on a prime search
 * that Azure does on its own machines. Made here, never committed (no private key sits in the
 * repository), and kept across builds: a pool already there with enough keys is left as it is.
 * Runs after tsc, with the sandbox's own key maker and file name from dist/.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEY_POOL_FILE, readKeyPool } from '../dist/sandbox/key-pool.js';
import { rsaKeyAsync } from '../dist/sandbox/tls.js';

/** A workshop world takes one key per attendee's certificate; beyond the pool, keys are made as needed. */
const POOL_SIZE = 16;
const file = join(dirname(fileURLToPath(import.meta.url)), '..', KEY_POOL_FILE);

if (readKeyPool(file).free(new Set()).length < POOL_SIZE) {
  const started = Date.now();
  const keys = await Promise.all(Array.from({ length: POOL_SIZE }, () => rsaKeyAsync()));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ keys }, null, 1)}\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
  console.log(`sandbox key pool: ${POOL_SIZE} RSA-2048 keys in ${Date.now() - started} ms (${file})`);
}
