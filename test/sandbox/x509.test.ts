import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureWorldTls, selfSignedCert } from '../../sandbox/tls.js';
import { certificatePem, createCertificate } from '../../sandbox/x509.js';

/**
 * The sandbox writes its certificates itself (sandbox/x509.ts): what it writes must read back, in
 * OpenSSL's parser (node:crypto's X509Certificate), as the certificate it was asked for, and chain
 * and verify as TLS clients and Notation need. (test/sandbox/real-kubectl.test.ts has Go's
 * crypto/x509, inside the real kubectl, accept the world's server certificate.)
 */
const hex = (b: Buffer): string => b.toString('hex');

describe('sandbox X.509 certificates', () => {
  test("the world's CA and server certificate: a CA for 127.0.0.1 that verifies its server certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-x509-'));
    try {
      const tls = await ensureWorldTls(dir);
      const ca = new X509Certificate(tls.caPem);
      const server = new X509Certificate(tls.certPem);
      expect(ca.subject).toBe('CN=ratify-runbook sandbox CA\nO=ratify-runbook sandbox');
      expect(ca.issuer).toBe(ca.subject);
      expect(ca.ca).toBe(true);
      expect(ca.verify(ca.publicKey)).toBe(true);
      expect(server.ca).toBe(false);
      expect(server.subject).toBe('CN=127.0.0.1');
      expect(server.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
      expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
      expect(server.checkIssued(ca)).toBe(true);
      expect(server.verify(ca.publicKey)).toBe(true);
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(server.checkHost('localhost')).toBe('localhost');
      expect(Date.parse(server.validTo) - Date.now()).toBeGreaterThan(4 * 365 * 86400_000);
      // The same files are read back on the next start, not made again.
      expect(await ensureWorldTls(dir)).toEqual(tls);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Key Vault's self-signed code-signing certificate: RSA 2048, the subject asked for, codeSigning, whole seconds", async () => {
    const now = Date.parse('2026-12-02T10:00:00.500Z');
    const made = await selfSignedCert('CN=ratify.default,O=Wabbit Networks,L=Seattle,ST=WA,C=US', 12, now);
    const der = Buffer.from(made.derB64, 'base64');
    const cert = new X509Certificate(der);
    expect(cert.subject).toBe('CN=ratify.default\nO=Wabbit Networks\nL=Seattle\nST=WA\nC=US');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048 });
    expect(Date.parse(cert.validFrom)).toBe(made.notBefore);
    expect(Date.parse(cert.validTo)).toBe(made.expires);
    expect(made.notBefore).toBe(Date.parse('2026-12-02T09:50:00Z'));
    // A critical keyUsage of digitalSignature alone, as Key Vault writes it (RFC 5280 DER: 07 80).
    expect(hex(der)).toContain('300e0603551d0f0101ff040403020780');
    // basicConstraints with cA false is an empty SEQUENCE (DER leaves the default out).
    expect(hex(der)).toContain('30090603551d1304023000');
    expect(createHash('sha256').update(der).digest('hex')).toBe(cert.fingerprint256.replace(/:/g, '').toLowerCase());
    // Two certificates never share a key or a serial number.
    const other = new X509Certificate(Buffer.from((await selfSignedCert('CN=ratify.default', 12, now)).derB64, 'base64'));
    expect(other.serialNumber).not.toBe(cert.serialNumber);
    expect(other.publicKey.export({ type: 'spki', format: 'der' })).not.toEqual(cert.publicKey.export({ type: 'spki', format: 'der' }));
  });

  test('names: PrintableString where it fits, else UTF8String; dates after 2049 in GeneralizedTime', () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = createCertificate({
      subject: [
        { shortName: 'CN', value: 'Zoë Signer' },
        { shortName: 'O', value: 'Plain Org' },
      ],
      issuer: [{ shortName: 'CN', value: 'Zoë Signer' }],
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter: new Date('2050-01-01T00:00:00Z'),
      extensions: [{ name: 'basicConstraints', cA: true, critical: true }],
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
    });
    const cert = new X509Certificate(certificatePem(der));
    expect(cert.subject).toBe('CN=Zoë Signer\nO=Plain Org');
    expect(hex(der)).toContain(`0c0b${hex(Buffer.from('Zoë Signer', 'utf8'))}`);
    expect(hex(der)).toContain(`1309${hex(Buffer.from('Plain Org'))}`);
    expect(hex(der)).toContain(`170d${hex(Buffer.from('491231235959Z'))}`);
    expect(hex(der)).toContain(`180f${hex(Buffer.from('20500101000000Z'))}`);
    expect(Date.parse(cert.validTo)).toBe(Date.parse('2050-01-01T00:00:00Z'));
    expect(cert.verify(keys.publicKey)).toBe(true);
  });
});
