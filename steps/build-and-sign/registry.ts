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

/** What one read of `repo:tag` tells: its digest (undefined: no such tag), and whether the repository exists. */
export interface ImageRead {
  readonly digest: string | undefined;
  /** False only when ACR names the repository itself as unknown: then the whole repository is the run's. */
  readonly repositoryFound: boolean;
}

/**
 * ACR "not found" exits 1. Its text tells a missing repository (`repository name not known to
 * registry`, the OCI NAME_UNKNOWN) from a missing tag; any other text counts as a repository
 * that exists, so teardown only ever removes the run's own image from a repository the user had.
 */
async function readImage(ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<ImageRead> {
  const shown = await ctx.cmd.run(showMetadata(sub, acrName, repo, tag), { mutates: false, probe: true, allowFailure: true });
  failUnlessNotFound(shown, `az acr manifest show-metadata ${repo}:${tag}`);
  if (shown.exitCode === 0) return { digest: tsvValue(shown.stdout) || undefined, repositoryFound: true };
  return { digest: undefined, repositoryFound: !/not known to registry|NAME_UNKNOWN/i.test(shown.stderr) };
}

/** In check(): the image read, kept for the run() that follows at once (see check-handoff). */
export const imageForRun = (ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<ImageRead> =>
  readForRun(ctx, `${repo}:${tag}`, () => readImage(ctx, sub, acrName, repo, tag));

/** In run(): check()'s read when it has just made it, else a fresh read. */
export const imageFromCheck = (ctx: Ctx, sub: string, acrName: string, repo: string, tag: string): Promise<ImageRead> =>
  readFromCheck(ctx, `${repo}:${tag}`, () => readImage(ctx, sub, acrName, repo, tag));

export interface Build {
  readonly acrName: string;
  readonly repo: string;
  readonly tag: string;
  readonly source: string;
  /** The output name the digest becomes (plan shows it as a placeholder). */
  readonly capture?: string;
  /** From the read before the build: whether the repository already held other images. */
  readonly repositoryFound: boolean;
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
  // A new repository is the run's; in one the user already had, only this image is (its tag and
  // the signatures that refer to it), so teardown never deletes the user's other images.
  const repository = build.repositoryFound
    ? { kind: 'acrImage', id: `${registryOf(acrName)}/${repo}:${tag}`, details: { ...details, tag } }
    : { kind: 'acrRepository', id: `${registryOf(acrName)}/${repo}`, details };
  // Neither takes a mark: the read before this build found the tag absent.
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
