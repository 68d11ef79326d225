import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../kernel/package-root.js';

/**
 * RSA keys made ahead of time for the sandbox's Key Vault certificates. On Azure, Key Vault makes
 * a certificate's key on Azure's machines; in the sandbox it was the run's own machine, in the
 * middle of the run: 0.1 to 0.6 s of CPU for one 2048-bit key (a random prime search), which
 * made an instant run ~60 ms slower on two cores and its time vary by as much again.
 * `npm run build` makes a pool of keys (scripts/make-key-pool.mjs, dist/sandbox/rsa-key-pool.json);
 * a new certificate takes a pooled key that no certificate of its world holds and this process
 * has not handed out, picked at random (so two worlds seldom share one), and a fresh key is made
 * only when none is left.
 */
export interface RsaKeyPair {
  privatePem: string;
  publicPem: string;
}

export const KEY_POOL_FILE = join('dist', 'sandbox', 'rsa-key-pool.json');

export class KeyPool {
  readonly #keys: readonly RsaKeyPair[];
  /** Keys this process handed out: two certificates made at once must not take the same one. */
  readonly #handedOut = new Set<string>();

  constructor(keys: readonly RsaKeyPair[]) {
    this.#keys = keys;
  }

  /** The keys that neither `inUse` (public keys in PEM) nor this process has taken. */
  free(inUse: ReadonlySet<string>): RsaKeyPair[] {
    return this.#keys.filter((k) => !inUse.has(k.publicPem) && !this.#handedOut.has(k.publicPem));
  }

  /** A free key, picked at random (`random` in [0, 1)), or undefined when none is left. */
  take(inUse: ReadonlySet<string>, random: () => number = Math.random): RsaKeyPair | undefined {
    const free = this.free(inUse);
    const key = free[Math.floor(random() * free.length)];
    if (key) this.#handedOut.add(key.publicPem);
    return key;
  }
}

/** Reads a pool file; a missing or unreadable one is an empty pool (keys are then made as needed). */
export function readKeyPool(file: string): KeyPool {
  try {
    const keys = (JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown }).keys;
    const isKeyPair = (k: unknown): k is RsaKeyPair =>
      typeof (k as Partial<RsaKeyPair> | null)?.privatePem === 'string' && typeof (k as Partial<RsaKeyPair> | null)?.publicPem === 'string';
    const valid = Array.isArray(keys) ? keys.filter(isKeyPair) : [];
    return new KeyPool(valid);
  } catch {
    return new KeyPool([]);
  }
}

let installed: KeyPool | undefined;

/** The pool `npm run build` made for this install (read once per process). */
export function installedKeyPool(): KeyPool {
  return (installed ??= readKeyPool(join(packageRoot(), KEY_POOL_FILE)));
}

/** Certificate (base64 DER) -> its public key: a workshop world holds a certificate per attendee, and each create asks. */
const publicKeyOfCertificate = new Map<string, string>();

/** The public keys (SPKI PEM) of certificates, from their base64 DER. */
export function publicKeysOf(certificatesB64: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const b64 of certificatesB64) {
    let key = publicKeyOfCertificate.get(b64);
    if (key === undefined) {
      key = new X509Certificate(Buffer.from(b64, 'base64')).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      publicKeyOfCertificate.set(b64, key);
    }
    out.add(key);
  }
  return out;
}
