import { defineStep, type StepContext } from '../runner/step.js';
import { subscriptionOf } from './_shared/az.js';
import { acrTasksBlocked, invalidKeyId, pluginSecretsGet, signerForbidden } from './_shared/known-failures.js';
import { removeCreated } from './_shared/teardown.js';
import { buildImage, imageForRun, imageFromCheck, registryOf } from './build-and-sign/registry.js';
import { registryToken, removeSignature, sign, signatures } from './build-and-sign/signatures.js';

type Ctx = StepContext<'subscriptionId' | 'acrName' | 'repo' | 'unsignedRepo' | 'tag' | 'imageSource' | 'unsignedImageSource'>;

/** Ratify's default policy requires *every* signature to verify: stale ones deny a signed image (docs/errata.md#stale-signatures). */
async function handleOtherSignatures(ctx: Ctx, sub: string, others: readonly { digest: string; subject: string }[]): Promise<void> {
  if (others.length === 0) return;
  const list = others.map((s) => `${s.digest} (${s.subject || 'unknown signer'})`).join(', ');
  ctx.log(
    `warning: ${others.length} signature(s) by other certificates: ${list}. Ratify requires all signatures to verify, so they would deny this image.`,
  );
  const remove = await ctx.confirm(`Remove ${others.length} signature(s) made by other certificates from ${ctx.answers.repo}?`, false);
  if (!remove)
    return ctx.log('kept them: verify will fail until they are removed (az acr manifest delete -r <acr> -n <repo>@<signature digest>)');
  for (const s of others) await removeSignature(ctx, sub, ctx.answers.acrName, ctx.answers.repo, s.digest);
}

/** The signing certificate's fingerprint, lower-case hex (a plan's placeholder stays as it is). */
const thisCertificate = (ctx: Ctx): string => ctx.output('certificate', 'certSha256').replace(/^[0-9A-F]+$/i, (hex) => hex.toLowerCase());

async function unsignedImage(ctx: Ctx, sub: string): Promise<string> {
  const { acrName, unsignedRepo, tag } = ctx.answers;
  const read = await imageFromCheck(ctx, sub, acrName, unsignedRepo, tag);
  if (!read.digest) {
    await buildImage(ctx, sub, {
      acrName,
      repo: unsignedRepo,
      tag,
      source: ctx.answers.unsignedImageSource,
      repositoryFound: read.repositoryFound,
    });
  }
  return `${registryOf(acrName)}/${unsignedRepo}:${tag}`;
}

export const buildAndSign = defineStep({
  id: 'build-and-sign',
  title: 'Build, push and sign the image',
  explain: `
Blog step 6. ACR Tasks build the demo image (\`az acr build --no-logs\`, which returns the
digest) and an **unsigned** comparison image for the negative test. An image that already
exists is reused: [a rebuild would change the digest](docs/errata.md#image-rebuild-digest) and
need a new signature.

Notation signs **by digest** with the vault's key (\`--plugin azure-kv --id <kid>
--plugin-config self_signed=true\`, COSE). It needs
[registry credentials](docs/errata.md#registry-credentials): a token from
\`az acr login --expose-token\` reaches notation **only through NOTATION_USERNAME /
NOTATION_PASSWORD in its environment** (never argv, never a file, never logged).
Signing is skipped when this certificate already signed the digest (\`notation inspect\`
shows each signature's SHA-256 certificate fingerprint). Signatures by *other* certificates
are reported, and removed if you agree: Ratify's default policy
[needs every one to verify](docs/errata.md#stale-signatures).
`.trim(),
  needs: ['subscriptionId', 'acrName', 'repo', 'unsignedRepo', 'tag', 'imageSource', 'unsignedImageSource'],
  after: ['preflight', 'certificate', 'notation-setup'],
  produces: ['digest', 'signedRef', 'unsignedRef'],
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const { acrName, repo, unsignedRepo, tag } = ctx.answers;
    const [signedRead, unsignedRead] = await Promise.all([
      imageForRun(ctx, sub, acrName, repo, tag),
      imageForRun(ctx, sub, acrName, unsignedRepo, tag),
    ]);
    const digest = signedRead.digest;
    if (!digest || !unsignedRead.digest) return undefined;
    const signedRef = `${registryOf(acrName)}/${repo}@${digest}`;
    const mine = thisCertificate(ctx);
    const sigs = await signatures(ctx, signedRef, await registryToken(ctx, sub, acrName));
    // Done only when this certificate signed it and no other signature would make Ratify deny it.
    if (!sigs.some((s) => s.certSha256 === mine) || sigs.some((s) => s.certSha256 !== mine)) return undefined;
    return { digest, signedRef, unsignedRef: `${registryOf(acrName)}/${unsignedRepo}:${tag}` };
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const { acrName, repo, tag } = ctx.answers;
    const signed = async () => {
      const read = await imageFromCheck(ctx, sub, acrName, repo, tag);
      const source = ctx.answers.imageSource;
      const digest =
        read.digest ??
        (await buildImage(ctx, sub, { acrName, repo, tag, source, capture: 'digest', repositoryFound: read.repositoryFound }));
      const signedRef = `${registryOf(acrName)}/${repo}@${digest}`;
      const token = await registryToken(ctx, sub, acrName);
      const mine = thisCertificate(ctx);
      const sigs = await signatures(ctx, signedRef, token);
      await handleOtherSignatures(
        ctx,
        sub,
        sigs.filter((s) => s.certSha256 !== mine),
      );
      if (sigs.some((s) => s.certSha256 === mine)) ctx.log(`${signedRef} is already signed by this certificate: not signing again`);
      else await sign(ctx, ctx.output('certificate', 'keyId'), signedRef, token, mine);
      return { digest, signedRef };
    };
    // The unsigned image does not wait for the signed one's build and signature.
    const [{ digest, signedRef }, unsignedRef] = await Promise.all([signed(), unsignedImage(ctx, sub)]);
    return { digest, signedRef, unsignedRef };
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [acrTasksBlocked, pluginSecretsGet, invalidKeyId, signerForbidden],
});
