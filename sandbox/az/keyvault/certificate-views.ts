import { pyIso } from '../../world/ids.js';
import type { Certificate, CertVersion } from '../../world/model.js';
import { vaultUri } from './vault-resource.js';

/** The JSON shapes az prints for a certificate (show, download's source) and for one item of a certificate list. */

export const tsSec = (ms: number): string => pyIso(Math.floor(ms / 1000) * 1000).replace('.000000', '');

function attributes(v: CertVersion): Record<string, unknown> {
  return {
    created: tsSec(v.created),
    enabled: v.enabled,
    expires: tsSec(v.expires),
    notBefore: tsSec(v.notBefore),
    recoveryLevel: 'Recoverable+Purgeable',
    updated: tsSec(v.created),
  };
}

function thumb(v: CertVersion): { x509Thumbprint: string; x509ThumbprintHex: string } {
  return { x509Thumbprint: Buffer.from(v.sha1Hex, 'hex').toString('base64'), x509ThumbprintHex: v.sha1Hex.toUpperCase() };
}

export function certView(vaultName: string, c: Certificate, v: CertVersion): Record<string, unknown> {
  const base = vaultUri(vaultName);
  return {
    attributes: attributes(v),
    cer: v.cer,
    contentType: (v.policy.secretProperties as { contentType?: string } | undefined)?.contentType ?? 'application/x-pkcs12',
    id: `${base}certificates/${c.name}/${v.version}`,
    kid: `${base}keys/${c.name}/${v.version}`,
    name: c.name,
    policy: {
      attributes: { created: tsSec(v.created), enabled: true, updated: tsSec(v.created) },
      id: `${base}certificates/${c.name}/policy`,
      ...v.policy,
    },
    sid: `${base}secrets/${c.name}/${v.version}`,
    tags: c.tags,
    ...thumb(v),
  };
}

export function versionItem(vaultName: string, c: Certificate, v: CertVersion): Record<string, unknown> {
  return {
    attributes: attributes(v),
    id: `${vaultUri(vaultName)}certificates/${c.name}/${v.version}`,
    name: c.name,
    subject: '',
    tags: c.tags,
    ...thumb(v),
  };
}
