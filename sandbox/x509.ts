import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

/**
 * X.509 v3 certificates written as DER with node:crypto's keys and signatures: the few fields the
 * sandbox's certificates carry (its TLS CA and server certificate, Key Vault's self-signed
 * code-signing certificates). Node can read certificates (X509Certificate) but not make them,
 * and a general library (node-forge) cost every fresh world ~0.1 s of loading and warm-up on a
 * small machine; this is the RFC 5280 layout of what is needed, no more.
 */

/** One attribute of a distinguished name, in the order it is written. */
export interface NameAttribute {
  readonly shortName: 'CN' | 'C' | 'L' | 'ST' | 'O' | 'OU';
  readonly value: string;
}

export type KeyUsage = 'digitalSignature' | 'keyCertSign' | 'cRLSign';

export type Extension =
  | { readonly name: 'basicConstraints'; readonly cA: boolean; readonly critical?: boolean }
  | { readonly name: 'keyUsage'; readonly usages: readonly KeyUsage[]; readonly critical?: boolean }
  | { readonly name: 'extKeyUsage'; readonly purposes: readonly ('serverAuth' | 'codeSigning')[] }
  | { readonly name: 'subjectAltName'; readonly ips?: readonly string[]; readonly dnsNames?: readonly string[] };

export interface CertificateSpec {
  readonly subject: readonly NameAttribute[];
  readonly issuer: readonly NameAttribute[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Extension[];
  readonly publicKey: KeyObject;
  /** The issuer's private key (a KeyObject or PKCS#8 PEM): EC keys sign with ECDSA, RSA keys with PKCS#1 v1.5, both over SHA-256. */
  readonly signingKey: KeyObject | string;
}

const OID = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

/** KeyUsage ::= BIT STRING, bit 0 first (RFC 5280 4.2.1.3). */
const KEY_USAGE_BIT: Readonly<Record<KeyUsage, number>> = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

// DER: tag, definite length, content.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);

/** A non-negative INTEGER from its big-endian bytes (a leading zero keeps it positive). */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift(0x80 | (v & 0x7f));
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** PrintableString when the value allows it, else UTF8String (what OpenSSL and Go write). */
const directoryString = (value: string): Buffer =>
  /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? tlv(0x13, Buffer.from(value, 'latin1')) : tlv(0x0c, Buffer.from(value, 'utf8'));

const name = (attrs: readonly NameAttribute[]): Buffer =>
  sequence(...attrs.map((a) => set(sequence(oid(OID[a.shortName]), directoryString(a.value)))));

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5), to the second. */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-12-02T14:55:07.123Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'latin1')) : tlv(0x18, Buffer.from(digits, 'latin1'));
}

function extensionValue(e: Extension): Buffer {
  switch (e.name) {
    case 'basicConstraints':
      // cA is DEFAULT FALSE: DER leaves a false one out.
      return e.cA ? sequence(boolean(true)) : sequence();
    case 'keyUsage': {
      let bits = 0;
      for (const u of e.usages) bits |= 0x8000 >> KEY_USAGE_BIT[u];
      const bytes = Buffer.from([bits >> 8, bits & 0xff]).subarray(0, bits & 0xff ? 2 : 1);
      const last = bytes[bytes.length - 1]!;
      let unused = 0;
      while (unused < 7 && !(last & (1 << unused))) unused++;
      return bitString(bytes, unused);
    }
    case 'extKeyUsage':
      return sequence(...e.purposes.map((p) => oid(OID[p])));
    case 'subjectAltName':
      return sequence(
        ...(e.ips ?? []).map((ip) => {
          if (!isIPv4(ip)) throw new Error(`subjectAltName: ${ip} is not an IPv4 address`);
          return tlv(0x87, Buffer.from(ip.split('.').map(Number)));
        }),
        ...(e.dnsNames ?? []).map((dns) => tlv(0x82, Buffer.from(dns, 'latin1'))),
      );
  }
}

const extension = (e: Extension): Buffer =>
  sequence(oid(OID[e.name]), ...('critical' in e && e.critical ? [boolean(true)] : []), octetString(extensionValue(e)));

/** A random positive 128-bit serial number, as CAs use. */
export const randomSerial = (): Buffer => Buffer.concat([Buffer.from([0x01]), randomBytes(15)]);

/** The certificate as DER, signed with SHA-256 by `signingKey`. */
export function createCertificate(spec: CertificateSpec, serial: Buffer = randomSerial()): Buffer {
  const key = typeof spec.signingKey === 'string' ? createPrivateKey(spec.signingKey) : spec.signingKey;
  const algorithm =
    key.asymmetricKeyType === 'ec'
      ? sequence(oid(OID.ecdsaWithSha256))
      : key.asymmetricKeyType === 'rsa'
        ? sequence(oid(OID.sha256WithRsa), tlv(0x05, Buffer.alloc(0)))
        : undefined;
  if (!algorithm) throw new Error(`certificates are signed with EC or RSA keys here, not ${key.asymmetricKeyType}`);
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    name(spec.issuer),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...spec.extensions.map(extension))),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, key)));
}

/** PEM armour for a DER certificate. */
export function certificatePem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}
