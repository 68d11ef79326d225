import type { CommandOptions } from '../../runner/command-types.js';
import type { StepContext } from '../../runner/step.js';
import { az } from '../_shared/az.js';
import { parseJson } from '../_shared/json.js';
import { propagationRetry, transientRetry } from '../_shared/retry.js';
import { tsvValue } from '../_shared/tsv.js';

type Ctx = Pick<StepContext, 'cmd'>;

/** The user name ACR expects with a token from `az acr login --expose-token` (docs/errata.md#registry-credentials). */
export const TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/** A registry token for notation: a secret, redacted everywhere, never an output. */
export async function registryToken(ctx: Ctx, sub: string, acrName: string): Promise<string> {
  const result = await ctx.cmd.run(az(sub, 'acr', 'login', '-n', acrName, '--expose-token', '--query', 'accessToken', '-o', 'tsv'), {
    mutates: false,
    secretOutput: true,
    // The script keeps it in NOTATION_PASSWORD, never printed (a plan shows <build-and-sign.registryToken>).
    capture: 'registryToken',
    retry: transientRetry,
  });
  return tsvValue(result.stdout);
}

/**
 * The token reaches notation only through its environment (NOTATION_USERNAME/PASSWORD):
 * never argv, never `notation login` (which would store it in notation's config file).
 */
export function withToken(token: string): Pick<CommandOptions, 'env' | 'secretEnv'> {
  return { env: { NOTATION_USERNAME: TOKEN_USER, NOTATION_PASSWORD: token }, secretEnv: ['NOTATION_PASSWORD'] };
}

export interface Signature {
  readonly digest: string;
  /** SHA-256 of the leaf certificate's DER, lower-case hex. */
  readonly certSha256: string;
  readonly subject: string;
}

interface InspectJson {
  readonly Signatures?: readonly RawSignature[];
  /** Notation 2.x spelling. */
  readonly signatures?: readonly RawSignature[];
}
interface RawSignature {
  readonly digest?: string;
  readonly certificates?: readonly { readonly SHA256Fingerprint?: string; readonly issuedTo?: string }[];
}

/** `notation inspect -o json <ref>`: v1 prints the list as "Signatures" (notation cmd/notation/inspect.go). */
export async function signatures(ctx: Ctx, ref: string, token: string): Promise<Signature[]> {
  const result = await ctx.cmd.run(['notation', 'inspect', '-o', 'json', ref], {
    mutates: false,
    ...withToken(token),
    retry: transientRetry,
  });
  const json = parseJson<InspectJson>(result.stdout, 'notation inspect');
  return (json?.Signatures ?? json?.signatures ?? []).map((s) => ({
    digest: s.digest ?? '',
    certSha256: (s.certificates?.[0]?.SHA256Fingerprint ?? '').toLowerCase(),
    subject: s.certificates?.[0]?.issuedTo ?? '',
  }));
}

/** Sign by digest with the vault's key; self_signed=true spares the plugin secrets get (docs/troubleshooting.md#plugin-secrets-get). */
export async function sign(ctx: Ctx, keyId: string, ref: string, token: string, certSha256: string): Promise<void> {
  const argv = [
    'notation',
    'sign',
    '--signature-format',
    'cose',
    '--id',
    keyId,
    '--plugin',
    'azure-kv',
    '--plugin-config',
    'self_signed=true',
    ref,
  ];
  // 403 from Key Vault's sign right after signer-access is RBAC propagation: retried for up to 10 minutes.
  await ctx.cmd.run(argv, {
    mutates: true,
    ...withToken(token),
    retry: propagationRetry,
    // Signed by this certificate already: its fingerprint is among the signatures.
    done: [{ argv: ['notation', 'inspect', '-o', 'json', ref], expect: { contains: certSha256 } }],
  });
}

/** Removes one signature manifest (it lives in the image's repository, referring to the image). */
export async function removeSignature(ctx: Ctx, sub: string, acrName: string, repo: string, digest: string): Promise<void> {
  await ctx.cmd.run(az(sub, 'acr', 'manifest', 'delete', '-r', acrName, '-n', `${repo}@${digest}`, '--yes'), {
    mutates: true,
    retry: transientRetry,
  });
}
