import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../kernel/package-root.js';
import { certificateKeysInUse } from '../../sandbox/az/keyvault/data-plane.js';
import { installedKeyPool, KEY_POOL_FILE, KeyPool, publicKeysOf, readKeyPool } from '../../sandbox/key-pool.js';
import { selfSignedCert } from '../../sandbox/tls.js';
import type { World } from '../../sandbox/world/model.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { SUBJECT } from '../helpers/sandbox-flow.js';
import { ANSWERS, openWorld } from '../helpers/sandbox-world.js';

/**
 * The sandbox's Key Vault gives new certificates RSA keys from a pool `npm run build` made
 * (scripts/make-key-pool.mjs), so no run spends its CPU on a prime search; each certificate still
 * gets a key of its own.
 */
const publicKeyOf = (derB64: string): string =>
  new X509Certificate(Buffer.from(derB64, 'base64')).publicKey.export({ type: 'spki', format: 'pem' }).toString();

const installedKeys = (): { privatePem: string; publicPem: string }[] => installedKeyPool().free(new Set());

beforeAll(() => ensureToolsBuilt());

describe('the sandbox key pool', () => {
  test("the build's pool: 16 RSA-2048 key pairs, all different, each private key matching its public key", () => {
    const keys = installedKeys();
    expect(keys).toHaveLength(16);
    expect(new Set(keys.map((k) => k.publicPem)).size).toBe(16);
    for (const k of keys) {
      const priv = createPrivateKey(k.privatePem);
      expect(priv.asymmetricKeyType).toBe('rsa');
      expect(priv.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString()).toBe(k.publicPem);
    }
  });

  test('take: a random free key, never one in use or handed out before; none left is undefined', () => {
    const [a, b, c] = installedKeys();
    const pool = new KeyPool([a!, b!, c!]);
    // random() picks among the free keys in pool order: a is in use, so 0.99 is the last of b and c.
    expect(pool.take(new Set([a!.publicPem]), () => 0.99)).toBe(c);
    expect(pool.take(new Set(), () => 0)).toBe(a);
    expect(pool.free(new Set())).toEqual([b]);
    expect(pool.take(new Set([b!.publicPem]))).toBeUndefined();
    expect(pool.take(new Set())).toBe(b);
    expect(pool.take(new Set())).toBeUndefined();
  });

  test('a missing or unreadable pool file is an empty pool', () => {
    expect(readKeyPool('/nonexistent/rsa-key-pool.json').free(new Set())).toEqual([]);
    expect(readKeyPool(fileURLToPath(import.meta.url)).free(new Set())).toEqual([]);
    // JSON of another shape: only well-formed pairs count.
    const dir = mkdtempSync(join(tmpdir(), 'rr-key-pool-'));
    try {
      const [a] = installedKeys();
      writeFileSync(join(dir, 'pool.json'), JSON.stringify({ keys: [null, 7, { privatePem: 1, publicPem: 'x' }, a] }));
      expect(readKeyPool(join(dir, 'pool.json')).free(new Set())).toEqual([a]);
      writeFileSync(join(dir, 'pool.json'), JSON.stringify({ keys: 'none' }));
      expect(readKeyPool(join(dir, 'pool.json')).free(new Set())).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a certificate takes a pooled key its world does not hold; with none left, a fresh RSA-2048 key is made', async () => {
    const [a, b] = installedKeys();
    const pool = new KeyPool([a!, b!]);
    const now = Date.now();
    const held = publicKeysOf([(await selfSignedCert('CN=one', 12, now, new Set(), pool)).derB64]);
    expect([a!.publicPem, b!.publicPem]).toContain([...held][0]);
    const second = publicKeyOf((await selfSignedCert('CN=two', 12, now, held, pool)).derB64);
    expect(held.has(second)).toBe(false);
    expect([a!.publicPem, b!.publicPem]).toContain(second);
    const fresh = await selfSignedCert('CN=three', 12, now, new Set([...held, second]), pool);
    const cert = new X509Certificate(Buffer.from(fresh.derB64, 'base64'));
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(installedKeys().map((k) => k.publicPem)).not.toContain(publicKeyOf(fresh.derB64));
  });

  test('in a world: each certificate version holds its own pooled key, and no later process hands those out again', async () => {
    const w = await openWorld({ seed: true });
    const dir = w.dir;
    try {
      const az = async (...a: string[]): Promise<void> => {
        const r = await w.run(['az', ...a]);
        if (r.code !== 0) throw new Error(`az ${a.join(' ')}: ${r.stderr}`);
      };
      const policy = join(dir, 'policy.json');
      writeFileSync(
        policy,
        JSON.stringify({
          issuerParameters: { name: 'Self' },
          keyProperties: { exportable: false, keySize: 2048, keyType: 'RSA', reuseKey: true },
          secretProperties: { contentType: 'application/x-pem-file' },
          x509CertificateProperties: { subject: SUBJECT, validityInMonths: 12 },
        }),
      );
      await az('keyvault', 'create', '-n', 'kv-pool', '-g', ANSWERS.resourceGroup, '--enable-rbac-authorization', 'false', '-o', 'none');
      for (let i = 0; i < 2; i++)
        await az('keyvault', 'certificate', 'create', '-n', 'signer', '--vault-name', 'kv-pool', '-p', `@${policy}`, '-o', 'none');
      await w.handle.close();
      const world = JSON.parse(readFileSync(join(dir, 'sandbox', 'world.json'), 'utf8')) as World;
      const versions = world.vaults['kv-pool']!.certificates['signer']!.versions;
      expect(versions).toHaveLength(2);
      const held = certificateKeysInUse(world);
      expect(held).toEqual(publicKeysOf(versions.map((v) => v.cer)));
      expect(held.size).toBe(2);
      // Another process reads the same pool file: the world's keys are not free there.
      const later = readKeyPool(join(packageRoot(), KEY_POOL_FILE));
      for (const key of held) expect(later.free(new Set()).map((k) => k.publicPem)).toContain(key);
      expect(later.free(held).some((k) => held.has(k.publicPem))).toBe(false);
      expect(later.free(held)).toHaveLength(14);
    } finally {
      await w.close();
    }
  });
});
