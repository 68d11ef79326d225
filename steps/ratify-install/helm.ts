import { parse } from 'yaml';
import type { StepContext } from '../../runner/step.js';
import { parseJson, sameJson } from '../_shared/json.js';
import { isNotFound } from '../_shared/results.js';
import { transientRetry } from '../_shared/retry.js';

type Ctx = Pick<StepContext, 'cmd'>;

/** Ratify must live where Gatekeeper's webhook cert is (mTLS) and which the policy excludes. */
export const NAMESPACE = 'gatekeeper-system';
export const RELEASE = 'ratify';
/** The chart moved twice; only this host serves it today (docs/errata.md#helm-repository). */
export const REPO_URL = 'https://notaryproject.github.io/ratify';

export interface Release {
  readonly revision: string;
  readonly status: string;
  readonly chart: string;
}

/** `helm list` (unlike `helm status -o json`) includes the chart name-version. */
export async function currentRelease(ctx: Ctx): Promise<Release | undefined> {
  const listed = await ctx.cmd.run(['helm', 'list', '-n', NAMESPACE, '--filter', `^${RELEASE}$`, '-o', 'json'], { mutates: false, probe: true, allowFailure: true });
  if (listed.exitCode !== 0) return undefined;
  const releases = parseJson<{ revision?: string | number; status?: string; chart?: string }[]>(listed.stdout, 'helm list') ?? [];
  const found = releases[0];
  return found ? { revision: String(found.revision ?? ''), status: found.status ?? '', chart: found.chart ?? '' } : undefined;
}

/** The values the release runs with equal the values file we would write now. */
export async function valuesMatch(ctx: Ctx, rendered: string): Promise<boolean> {
  const got = await ctx.cmd.run(['helm', 'get', 'values', RELEASE, '-n', NAMESPACE, '-o', 'json'], { mutates: false, allowFailure: true });
  if (got.exitCode !== 0) return false;
  return sameJson(parseJson(got.stdout, 'helm get values'), parse(rendered));
}

/** Only the local Helm repository cache changes (not Azure, not the cluster): mutates false. */
export async function addRepo(ctx: Ctx): Promise<void> {
  await ctx.cmd.run(['helm', 'repo', 'add', 'ratify', REPO_URL, '--force-update'], { mutates: false, retry: transientRetry });
  // A stale cached index served an old chart that demanded provider.tls.cabundle (docs/troubleshooting.md#chart-needs-tls-certificate).
  await ctx.cmd.run(['helm', 'repo', 'update', 'ratify'], { mutates: false, retry: transientRetry });
}

/** `upgrade --install` (a second `helm install` fails), pinned, atomic, waited for; returns the revision. */
export async function upgradeInstall(ctx: Ctx, version: string, valuesPath: string): Promise<string> {
  const argv = ['helm', 'upgrade', '--install', RELEASE, 'ratify/ratify', '--namespace', NAMESPACE, '--version', version,
    '--atomic', '--wait', '--timeout', '10m', '-f', valuesPath];
  const result = await ctx.cmd.run(argv, { mutates: true, timeoutMs: 12 * 60_000, planStdout: 'REVISION: <ratify-install.helmRevision>' });
  return /^REVISION:\s*(\S+)/m.exec(result.stdout)?.[1] ?? '';
}

/** Deletes, treating "already gone" as done (teardown can run again). */
export async function removeIfPresent(ctx: Ctx, argv: readonly string[]): Promise<void> {
  const result = await ctx.cmd.run(argv, { mutates: true, allowFailure: true });
  if (result.exitCode !== 0 && !isNotFound(result)) throw new Error(`${argv.slice(0, 3).join(' ')} failed: ${result.stderr.trim()}`);
}
