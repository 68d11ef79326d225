import type { StepContext } from '../../runner/step.js';
import { az } from '../_shared/az.js';
import { readForRun, readFromCheck } from '../_shared/check-handoff.js';
import { failUnlessNotFound } from '../_shared/results.js';
import { transientRetry } from '../_shared/retry.js';
import { tsvValue } from '../_shared/tsv.js';
import { readGuard } from '../_shared/write-ahead.js';

type Ctx = Pick<StepContext, 'cmd' | 'created' | 'willCreate'>;

export const registryOf = (acrName: string) => `${acrName}.azurecr.io`;

function showMetadata(sub: string, acrName: string, repo: string, tag: string): string[] {
  return az(sub, 'acr', 'manifest', 'show-metadata', '-r', acrName, '-n', `${repo}:${tag}`, '--query', 'digest', '-o', 'tsv');
}

/** The digest `repo:tag` points at, or undefined when the tag does not exist (ACR "not found" exits 1). */
export async function imageDigest(ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<string | undefined> {
  const shown = await ctx.cmd.run(showMetadata(sub, acrName, repo, tag), { mutates: false, probe: true, allowFailure: true });
  failUnlessNotFound(shown, `az acr manifest show-metadata ${repo}:${tag}`);
  return shown.exitCode === 0 ? tsvValue(shown.stdout) || undefined : undefined;
}

/** In check(): the digest, kept for the run() that follows at once (see check-handoff). */
export const digestForRun = (ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<string | undefined> =>
  readForRun(ctx, `${repo}:${tag}`, () => imageDigest(ctx, sub, acrName, repo, tag));

/** In run(): check()'s digest when it has just read it, else a fresh read. */
export const digestFromCheck = (ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<string | undefined> =>
  readFromCheck(ctx, `${repo}:${tag}`, () => imageDigest(ctx, sub, acrName, repo, tag));

export interface Build {
  readonly acrName: string;
  readonly repo: string;
  readonly tag: string;
  readonly source: string;
  /** The output name the digest becomes (plan shows it as a placeholder). */
  readonly capture?: string;
}

/**
 * `az acr build ... --no-logs --query outputImages[0].digest -o tsv`: without --no-logs az
 * streams the build log to stdout and returns no JSON, so the "digest" would be the whole
 * log. Never re-run when the tag exists: a rebuild changes the digest.
 */
export async function buildImage(ctx: Ctx, sub: string, build: Build): Promise<string> {
  const { acrName, repo, tag, source } = build;
  const argv = az(
    sub,
    'acr',
    'build',
    '-r',
    acrName,
    '-t',
    `${registryOf(acrName)}/${repo}:${tag}`,
    source,
    '--no-logs',
    '--query',
    'outputImages[0].digest',
    '-o',
    'tsv',
  );
  const details = { subscription: sub, registry: acrName, repository: repo };
  const repository = { kind: 'acrRepository', id: `${registryOf(acrName)}/${repo}`, details };
  // A repository takes no mark: the read before this build found the tag absent.
  await ctx.willCreate({ ...repository, guard: readGuard(showMetadata(sub, acrName, repo, tag)) });
  const built = await ctx.cmd.run(argv, {
    mutates: true,
    guardedBy: showMetadata(sub, acrName, repo, tag),
    retry: transientRetry,
    timeoutMs: 30 * 60_000,
    ...(build.capture ? { capture: build.capture } : {}),
  });
  await ctx.created(repository);
  return tsvValue(built.stdout);
}
