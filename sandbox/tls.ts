import { generateKeyPair, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Forge from 'node-forge';
import forge from './forge-x509.js';
import { writeFileAtomic } from './world/store.js';

/**
 * Per-world CA + server certificate for IP 127.0.0.1 (under <worldDir>/tls/), made with
 * node-forge (pure JS; no openssl binary) around keys and signatures from node:crypto, which is
 * much faster than forge's JS RSA.
 */
export interface WorldTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function rsaKeyAsync(): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * RSA keys made ahead of the certificates that need them. A 2048-bit key takes 0.1 to 0.6 s of
 * CPU on a small machine, and `az keyvault certificate create` waited for it on the run's
 * critical path. Key Vault makes a new key for every certificate version; so does the sandbox,
 * only earlier, off the event loop: the owner keeps one key ready per vault that has no
 * certificate yet (see certificateKeysWanted), and a certificate create takes the oldest one.
 * Each key is used once.
 */
const spareKeys: Promise<{ privatePem: string; publicPem: string }>[] = [];
const SPARE_KEYS_MAX = 8;

/** Starts making keys until `wanted` (at most SPARE_KEYS_MAX) are ready or on their way. */
export function prepareCertificateKeys(wanted: number): void {
  while (spareKeys.length < Math.min(wanted, SPARE_KEYS_MAX)) {
    const key = rsaKeyAsync();
    key.catch(() => undefined); // a failure is reported by the create that takes it
    spareKeys.push(key);
  }
}

const certificateKey = (): Promise<{ privatePem: string; publicPem: string }> => spareKeys.shift() ?? rsaKeyAsync();

const serial = (): string => '01' + randomBytes(15).toString('hex');

/** forge's `cert.sign`, with the RSA signature from node:crypto (forge computes it in JS). */
function signCertificate(cert: Forge.pki.Certificate, privatePem: string): void {
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.md = forge.md.sha256.create();
  // getTBSCertificate is forge's own (its typings leave it out).
  const tbsOf = (c: Forge.pki.Certificate) =>
    (forge.pki as unknown as { getTBSCertificate(c: Forge.pki.Certificate): Forge.asn1.Asn1 }).getTBSCertificate(c);
  const tbs = forge.asn1.toDer(tbsOf(cert)).getBytes();
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), privatePem).toString('binary');
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

function ecdsaSha256(): Forge.asn1.Asn1 {
  const { asn1 } = forge;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(ECDSA_SHA256).getBytes()),
  ]);
}

interface EcCertificate {
  subject: Forge.pki.CertificateField[];
  issuer: Forge.pki.CertificateField[];
  extensions: object[];
  publicKey: KeyObject;
  signedBy: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

/**
 * An ECDSA P-256 certificate (PEM): forge lays out the fields (it only knows RSA keys), the
 * public key and the signature are node:crypto's. EC keys take a millisecond to make where
 * RSA keys take up to a second, and every fresh world needs two.
 */
function ecCertificate(c: EcCertificate): string {
  const { asn1, pki } = forge;
  const cert = pki.createCertificate();
  cert.serialNumber = serial();
  cert.validity.notBefore = c.notBefore;
  cert.validity.notAfter = c.notAfter;
  cert.setSubject(c.subject);
  cert.setIssuer(c.issuer);
  cert.setExtensions(c.extensions);
  // Placeholders so forge can lay out the fields; the EC key and algorithm replace them below.
  cert.publicKey = pki.setRsaPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('3'));
  cert.siginfo.algorithmOid = pki.oids.sha256WithRSAEncryption!;
  const tbsOf = (c: Forge.pki.Certificate) =>
    (pki as unknown as { getTBSCertificate(c: Forge.pki.Certificate): Forge.asn1.Asn1 }).getTBSCertificate(c);
  const tbs = tbsOf(cert);
  const fields = tbs.value as Forge.asn1.Asn1[];
  fields[2] = ecdsaSha256();
  fields[6] = asn1.fromDer(forge.util.createBuffer(c.publicKey.export({ type: 'spki', format: 'der' }).toString('binary')));
  const tbsDer = asn1.toDer(tbs).getBytes();
  const signature = sign('sha256', Buffer.from(tbsDer, 'binary'), c.signedBy).toString('binary');
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    ecdsaSha256(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature),
  ]);
  return forge.pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(certificate).getBytes() });
}

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
  const caName = [
    { shortName: 'CN', value: 'ratify-runbook sandbox CA' },
    { shortName: 'O', value: 'ratify-runbook sandbox' },
  ];
  const caPem = ecCertificate({
    subject: caName,
    issuer: caName,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
    publicKey: caKeys.publicKey,
    signedBy: caKeys.privateKey,
    notBefore,
    notAfter,
  });
  const certPem = ecCertificate({
    subject: [{ shortName: 'CN', value: '127.0.0.1' }],
    issuer: caName,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
    publicKey: srvKeys.publicKey,
    signedBy: caKeys.privateKey,
    notBefore,
    notAfter,
  });
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
): Promise<{ derB64: string; expires: number; notBefore: number }> {
  const pki = forge.pki;
  // Off the event loop: the owner serves every attendee's tools from one thread.
  const keys = await certificateKey();
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
  signCertificate(cert, keys.privatePem);
  const der = forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes();
  return {
    derB64: Buffer.from(der, 'binary').toString('base64'),
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
