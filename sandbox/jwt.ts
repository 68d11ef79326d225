import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tokens the sandbox issues look like real Entra/ACR tokens (header.payload.signature,
 * base64url, oid/tid/aud/exp claims), so a leaked one is findable by grepping for `eyJ`.
 * They are HS256-signed with the world's key so the sandbox can tell its own from junk.
 */
const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export interface SandboxClaims {
  aud: string;
  oid: string;
  tid: string;
  exp: number;
  iat?: number;
  [k: string]: unknown;
}

export function signJwt(claims: SandboxClaims, key: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'sandbox' }));
  const payload = b64url(
    JSON.stringify({ iss: 'https://sts.windows.net/' + claims.tid + '/', iat: Math.floor(Date.now() / 1000), ...claims }),
  );
  const sig = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

/** The claims when the token is ours, unexpired at `nowMs`; else undefined. */
export function verifyJwt(token: string, key: string, nowMs: number): SandboxClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as SandboxClaims;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < nowMs) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
