import { createPublicKey, generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedKeyPool, type KeyPool, type RsaKeyPair } from './key-pool.js';
import { writeFileAtomic } from './world/store.js';
import { certificatePem, createCertificate, type NameAttribute } from './x509.js';

/**
 * Per-world CA + server certificate for IP 127.0.0.1 (under <worldDir>/tls/), written by
 * ./x509.ts around node:crypto's keys and signatures (no openssl binary). ECDSA P-256: EC keys
 * take a millisecond to make where RSA keys take up to a second, and every fresh world needs two.
 */
export interface WorldTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A new RSA-2048 key pair, made on libuv's thread pool (scripts/make-key-pool.mjs makes the build's pool with it). */
export async function rsaKeyAsync(): Promise<RsaKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Certificate keys come from the install's key pool (./key-pool.ts). Beyond it, RSA keys are made
 * ahead of the certificates that need them, off the event loop: a 2048-bit key takes 0.1 to 0.6 s
 * of CPU on a small machine, and `az keyvault certificate create` would wait for it. Key Vault
 * makes a new key for every certificate version; so does the sandbox: each key is used once.
 */
const spareKeys: Promise<RsaKeyPair>[] = [];
const SPARE_KEYS_MAX = 8;

/**
 * Starts making keys until `wanted` (at most SPARE_KEYS_MAX) are ready, on their way, or free in
 * the pool (`inUse`: the public keys the world's certificates hold).
 */
export function prepareCertificateKeys(wanted: number, inUse: ReadonlySet<string>, pool: KeyPool = installedKeyPool()): void {
  const toMake = Math.min(wanted - pool.free(inUse).length, SPARE_KEYS_MAX);
  while (spareKeys.length < toMake) {
    const key = rsaKeyAsync();
    key.catch(() => undefined); // a failure is reported by the create that takes it
    spareKeys.push(key);
  }
}

const certificateKey = (inUse: ReadonlySet<string>, pool: KeyPool): Promise<RsaKeyPair> => {
  const pooled = pool.take(inUse);
  return pooled ? Promise.resolve(pooled) : (spareKeys.shift() ?? rsaKeyAsync());
};

export async function ensureWorldTls(worldDir: string): Promise<WorldTls> {
  const dir = join(worldDir, 'tls');
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) {
    return { caPem: readFileSync(files.ca, 'utf8'), certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
  }
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 5 * 365 * 86400_000);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const srvKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName: NameAttribute[] = [
    { shortName: 'CN', value: 'ratify-runbook sandbox CA' },
    { shortName: 'O', value: 'ratify-runbook sandbox' },
  ];
  const caPem = certificatePem(
    createCertificate({
      subject: caName,
      issuer: caName,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', usages: ['keyCertSign', 'cRLSign'], critical: true },
      ],
      publicKey: caKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
    }),
  );
  const certPem = certificatePem(
    createCertificate({
      subject: [{ shortName: 'CN', value: '127.0.0.1' }],
      issuer: caName,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', usages: ['digitalSignature'], critical: true },
        { name: 'extKeyUsage', purposes: ['serverAuth'] },
        { name: 'subjectAltName', ips: ['127.0.0.1'], dnsNames: ['localhost'] },
      ],
      publicKey: srvKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
    }),
  );
  const out: WorldTls = { caPem, certPem, keyPem: srvKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  writeFileAtomic(files.key, out.keyPem);
  writeFileAtomic(files.cert, out.certPem);
  writeFileAtomic(files.ca, out.caPem);
  return out;
}

/** A self-signed code-signing certificate, as Key Vault makes for `issuerParameters.name: Self`. */
export async function selfSignedCert(
  subjectDn: string,
  months: number,
  nowMs: number,
  keysInUse: ReadonlySet<string> = new Set(),
  pool: KeyPool = installedKeyPool(),
): Promise<{ derB64: string; expires: number; notBefore: number }> {
  // A pooled key, or one made off the event loop: the owner serves every attendee's tools from one thread.
  const keys = await certificateKey(keysInUse, pool);
  const notBefore = nowMs - 10 * 60_000;
  const expires = nowMs + months * 30.4375 * 86400_000;
  const name = parseDn(subjectDn)
    .filter((a): a is { key: NameAttribute['shortName']; value: string } => ['CN', 'C', 'L', 'ST', 'O', 'OU'].includes(a.key))
    .map((a) => ({ shortName: a.key, value: a.value }));
  const der = createCertificate({
    subject: name,
    issuer: name,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', usages: ['digitalSignature'], critical: true },
      { name: 'extKeyUsage', purposes: ['codeSigning'] },
    ],
    publicKey: createPublicKey(keys.publicPem),
    signingKey: keys.privatePem,
    // X.509 keeps whole seconds.
    notBefore: new Date(Math.floor(notBefore / 1000) * 1000),
    notAfter: new Date(Math.floor(expires / 1000) * 1000),
  });
  return {
    derB64: der.toString('base64'),
    expires: Math.floor(expires / 1000) * 1000,
    notBefore: Math.floor(notBefore / 1000) * 1000,
  };
}

/** `CN=a,O=b,ST=WA,C=US` -> attributes (escaped commas `\,` kept in values). */
export function parseDn(dn: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const part of dn.split(/(?<!\\),/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.push({
      key: part.slice(0, eq).trim().toUpperCase(),
      value: part
        .slice(eq + 1)
        .trim()
        .replace(/\\,/g, ','),
    });
  }
  return out;
}

/** Notary Project compares distinguished names as attribute sets, not strings. */
export function sameDn(a: string, b: string): boolean {
  const norm = (dn: string): string =>
    parseDn(dn)
      .map((x) => `${x.key}=${x.value}`)
      .sort()
      .join(',');
  return norm(a) === norm(b) && norm(a) !== '';
}
