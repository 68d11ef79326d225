import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from './world/store.js';

/**
 * Per-world CA + server certificate for IP 127.0.0.1 (under <worldDir>/tls/), made with
 * node-forge (pure JS; no openssl binary). Keys come from node:crypto, which is much faster
 * than forge's JS RSA key generation.
 */
export interface WorldTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function rsaKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function rsaKeyAsync(): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const serial = (): string => '01' + randomBytes(15).toString('hex');

export function ensureWorldTls(worldDir: string): WorldTls {
  const dir = join(worldDir, 'tls');
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) {
    return { caPem: readFileSync(files.ca, 'utf8'), certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
  }
  mkdirSync(dir, { recursive: true });
  const pki = forge.pki;
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 365 * 86400_000);

  const caKeys = rsaKey();
  const caKey = pki.privateKeyFromPem(caKeys.privatePem);
  const ca = pki.createCertificate();
  ca.publicKey = pki.publicKeyFromPem(caKeys.publicPem);
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(now.getTime() - 60_000);
  ca.validity.notAfter = later;
  const caName = [{ shortName: 'CN', value: 'ratify-runbook sandbox CA' }, { shortName: 'O', value: 'ratify-runbook sandbox' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKey, forge.md.sha256.create());

  const srvKeys = rsaKey();
  const srv = pki.createCertificate();
  srv.publicKey = pki.publicKeyFromPem(srvKeys.publicPem);
  srv.serialNumber = serial();
  srv.validity.notBefore = new Date(now.getTime() - 60_000);
  srv.validity.notAfter = later;
  srv.setSubject([{ shortName: 'CN', value: '127.0.0.1' }]);
  srv.setIssuer(caName);
  srv.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  srv.sign(caKey, forge.md.sha256.create());

  const out: WorldTls = { caPem: pki.certificateToPem(ca), certPem: pki.certificateToPem(srv), keyPem: srvKeys.privatePem };
  writeFileAtomic(files.key, out.keyPem);
  writeFileAtomic(files.cert, out.certPem);
  writeFileAtomic(files.ca, out.caPem);
  return out;
}

/** A self-signed code-signing certificate, as Key Vault makes for `issuerParameters.name: Self`. */
export async function selfSignedCert(subjectDn: string, months: number, nowMs: number): Promise<{ derB64: string; expires: number; notBefore: number }> {
  const pki = forge.pki;
  // Off the event loop: the owner serves every attendee's tools from one thread.
  const keys = await rsaKeyAsync();
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  const notBefore = nowMs - 10 * 60_000;
  const expires = nowMs + months * 30.4375 * 86400_000;
  cert.validity.notBefore = new Date(notBefore);
  cert.validity.notAfter = new Date(expires);
  const attrs = parseDn(subjectDn)
    .filter((a) => ['CN', 'C', 'L', 'ST', 'O', 'OU'].includes(a.key))
    .map((a) => ({ shortName: a.key, value: a.value }));
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', codeSigning: true },
  ]);
  cert.sign(pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  const der = forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes();
  return { derB64: Buffer.from(der, 'binary').toString('base64'), expires: Math.floor(expires / 1000) * 1000, notBefore: Math.floor(notBefore / 1000) * 1000 };
}

/** `CN=a,O=b,ST=WA,C=US` -> attributes (escaped commas `\,` kept in values). */
export function parseDn(dn: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const part of dn.split(/(?<!\\),/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.push({ key: part.slice(0, eq).trim().toUpperCase(), value: part.slice(eq + 1).trim().replace(/\\,/g, ',') });
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
