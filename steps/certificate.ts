import { createHash } from 'node:crypto';
import { defineStep, type StepContext } from '../runner/step.js';
import { az, subscriptionOf, tagArgs } from './_shared/az.js';
import { parseJson, prop, stringProp } from './_shared/json.js';
import { certificateSoftDeleted, kmpPkcs12, signerForbidden } from './_shared/known-failures.js';
import { renderCertificatePolicy } from './_shared/render.js';
import { failUnlessNotFound } from './_shared/results.js';
import { propagationRetry } from './_shared/retry.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { removeCreated } from './_shared/teardown.js';
import { readGuard, runIdOf } from './_shared/write-ahead.js';
import { shellLine } from '../runner/shell-words.js';

type Ctx = StepContext<'subscriptionId' | 'keyVaultName' | 'certName' | 'certSubject'>;
type Outputs = { keyId: string; certVersion: string; certSha256: string };

/**
 * What `notation inspect` reports as SHA256Fingerprint: SHA-256 of the certificate's DER.
 * `--query cer` is that DER in base64; Azure's x509Thumbprint is SHA-1 and would never match.
 */
export function certSha256(cerBase64: string): string {
  return createHash('sha256').update(Buffer.from(cerBase64.trim(), 'base64')).digest('hex');
}

const sameSubject = (a: string, b: string) =>
  a
    .split(',')
    .map((s) => s.trim())
    .join(',') ===
  b
    .split(',')
    .map((s) => s.trim())
    .join(',');
const certArgs = (ctx: Ctx) => ['-n', ctx.answers.certName, '--vault-name', ctx.answers.keyVaultName];
/** The certificate's DER in base64, as the exported script reads it. */
const CER = az(
  '<answers.subscriptionId>',
  'keyvault',
  'certificate',
  'show',
  '-n',
  '<answers.certName>',
  '--vault-name',
  '<answers.keyVaultName>',
  '--query',
  'cer',
  '-o',
  'tsv',
);
/** Its key id, as the exported script reads it (a run takes it from the same read as the DER). */
const KID = az(
  '<answers.subscriptionId>',
  'keyvault',
  'certificate',
  'show',
  '-n',
  '<answers.certName>',
  '--vault-name',
  '<answers.keyVaultName>',
  '--query',
  'kid',
  '-o',
  'tsv',
);
const showArgv = (ctx: Ctx, sub: string) => az(sub, 'keyvault', 'certificate', 'show', ...certArgs(ctx), '-o', 'json');

function outputsOf(kid: string, cer: string): Outputs {
  return { keyId: kid, certVersion: kid.split('/').pop() ?? '', certSha256: certSha256(cer) };
}

/** The existing certificate's outputs; undefined when there is none (or it is still pending). */
async function existing(ctx: Ctx, sub: string): Promise<Outputs | undefined> {
  // 403s right after signer-access are RBAC propagation: retried for up to 10 minutes.
  const shown = await ctx.cmd.run(showArgv(ctx, sub), { mutates: false, probe: true, allowFailure: true, retry: propagationRetry });
  failUnlessNotFound(shown, 'az keyvault certificate show');
  const cert = parseJson<unknown>(shown.stdout, 'az keyvault certificate show');
  if (shown.exitCode !== 0 || !cert) return undefined;
  const subject = stringProp(cert, 'policy', 'x509CertificateProperties', 'subject') ?? '';
  if (!sameSubject(subject, ctx.answers.certSubject)) {
    throw new Error(
      `Certificate ${ctx.answers.certName} exists with subject "${subject}", but certSubject is "${ctx.answers.certSubject}". Set certSubject to the existing subject, or choose another certName.`,
    );
  }
  if (prop(cert, 'attributes', 'enabled') === false) {
    throw new Error(
      `Certificate ${ctx.answers.certName} is disabled: Ratify's KMP fails on a disabled certificate. Enable it (az keyvault certificate set-attributes --enabled true) or choose another certName.`,
    );
  }
  const kid = stringProp(cert, 'kid');
  const cer = stringProp(cert, 'cer');
  return kid && cer ? outputsOf(kid, cer) : undefined;
}

export const certificate = defineStep({
  id: 'certificate',
  title: 'Create the signing certificate',
  explain: `
Blog step 5: a self-signed code-signing certificate in the vault, from
\`templates/certificate-policy.json\` with your subject (it must contain C, ST and O for
Notary Project trust policies) and the PEM content type, which
[Ratify needs](docs/troubleshooting.md#certificate-not-pem).
- **Never a second version by accident:** \`az keyvault certificate create\` on an existing
  name makes a [*new version with a new key*](docs/errata.md#certificate-new-version). The
  certificate is shown first and created only when missing.
- Waits until it is issued and takes the key id from that read (the exported script reads it
  with \`--query kid -o tsv\`: without \`-o tsv\`
  [a quoted string reaches notation](docs/errata.md#key-id-tsv)).
- Records **certSha256**, the SHA-256 of the certificate's DER: what \`notation inspect\`
  shows for each signature, so build-and-sign can tell whether *this* certificate signed.
- 403s in the minutes after signer-access are RBAC propagation and are retried (10 min).
`.trim(),
  needs: ['subscriptionId', 'keyVaultName', 'certName', 'certSubject'],
  after: ['key-vault', 'signer-access'],
  produces: ['keyId', 'certVersion', 'certSha256'],
  check: (ctx) => readForRun(ctx, 'certificate', () => existing(ctx, subscriptionOf(ctx))),
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const found = await readFromCheck(ctx, 'certificate', () => existing(ctx, sub));
    if (found) return found;

    const policyPath = await ctx.writeFile('certificate-policy.json', await renderCertificatePolicy(ctx.answers.certSubject));
    const cert = {
      kind: 'certificate',
      id: `${ctx.output('key-vault', 'vaultUri')}certificates/${ctx.answers.certName}`,
      details: { subscription: sub, name: ctx.answers.certName, vaultName: ctx.answers.keyVaultName },
    };
    // Found after a crash by its tag: the run's id read back.
    const tagged = az(sub, 'keyvault', 'certificate', 'show', ...certArgs(ctx), '--query', 'tags."ratify-runbook-run"', '-o', 'tsv');
    await ctx.willCreate({ ...cert, guard: readGuard(tagged, runIdOf(ctx)) });
    await ctx.cmd.run(
      az(sub, 'keyvault', 'certificate', 'create', ...certArgs(ctx), '-p', `@${policyPath}`, ...tagArgs(ctx.runTag), '-o', 'none'),
      {
        mutates: true,
        guardedBy: showArgv(ctx, sub),
        retry: propagationRetry,
      },
    );
    await ctx.created(cert);

    // One show per look: the DER appears once the certificate is issued, with its key id.
    const cerArgv = az(sub, 'keyvault', 'certificate', 'show', ...certArgs(ctx), '--query', 'cer', '-o', 'tsv');
    const issued = await ctx.waitFor(
      `certificate ${ctx.answers.certName} to be issued`,
      async () => {
        const r = await ctx.cmd.run(showArgv(ctx, sub), { mutates: false, retry: propagationRetry });
        if (r.planned) return { kid: '<certificate.keyId>', cer: '' };
        const shown = parseJson<unknown>(r.stdout, 'az keyvault certificate show');
        const kid = stringProp(shown, 'kid');
        const cer = stringProp(shown, 'cer');
        return kid && cer ? { kid, cer } : undefined;
      },
      { timeoutMs: 5 * 60_000, intervalMs: 3_000, until: [{ argv: cerArgv, expect: 'nonEmpty' }] },
    );
    return issued.cer
      ? outputsOf(issued.kid, issued.cer)
      : { keyId: issued.kid, certVersion: '<certificate.certVersion>', certSha256: '<certificate.certSha256>' };
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [certificateSoftDeleted, kmpPkcs12, signerForbidden],
  shell: {
    keyId: (v) => [`${v}="$(${shellLine(KID)})"`],
    // What notation inspect shows as SHA256Fingerprint: the SHA-256 of the certificate's DER.
    certSha256: (v) => [`${v}="$(${shellLine(CER)} | base64 -d | sha256sum)"`, `${v}="\${${v}%% *}"`],
  },
});
