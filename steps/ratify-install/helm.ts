import { parse } from 'yaml';
import type { StepContext } from '../../runner/step.js';
import { parseJson, sameJson } from '../_shared/json.js';
import { isNotFound } from '../_shared/results.js';
import { transientRetry } from '../_shared/retry.js';
import { installFlags } from '../_shared/helm.js';
import { newerPatch } from '../../kernel/ratify-chart.js';
import type { ShellTest } from '../../runner/command-types.js';

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
  const listed = await ctx.cmd.run(['helm', 'list', '-n', NAMESPACE, '--filter', `^${RELEASE}$`, '-o', 'json'], {
    mutates: false,
    probe: true,
    allowFailure: true,
  });
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

/**
 * The release runs this chart version with values naming this vault and identity: what the
 * exported script checks before it adds the repository and installs (all four inside one guard).
 */
export function installedTests(version: string, vaultUri: string, clientId: string): ShellTest[] {
  const list = ['helm', 'list', '-n', NAMESPACE, '--filter', `^${RELEASE}$`, '-o', 'json'];
  const values = ['helm', 'get', 'values', RELEASE, '-n', NAMESPACE, '-o', 'json'];
  return [
    { argv: list, expect: { contains: `"chart":"ratify-${version}"` } },
    { argv: list, expect: { contains: '"status":"deployed"' } },
    { argv: values, expect: { contains: vaultUri } },
    { argv: values, expect: { contains: clientId } },
  ];
}

/** Only the local Helm repository cache changes (not Azure, not the cluster): mutates false. */
export async function addRepo(ctx: Ctx, done: readonly ShellTest[]): Promise<void> {
  await ctx.cmd.run(['helm', 'repo', 'add', 'ratify', REPO_URL, '--force-update'], { mutates: false, retry: transientRetry, done });
  // A stale cached index served an old chart that demanded provider.tls.cabundle (docs/troubleshooting.md#chart-needs-tls-certificate).
  await ctx.cmd.run(['helm', 'repo', 'update', 'ratify'], { mutates: false, retry: transientRetry, done });
}

/**
 * The chart versions the repository offers (`helm search repo --versions`, newest first, stable
 * only): a newer patch of the pinned line is worth knowing about. 'unknown' when helm cannot say.
 */
export async function newerChartPatch(ctx: Ctx, version: string, done: readonly ShellTest[] = []): Promise<string> {
  const search = ['helm', 'search', 'repo', 'ratify/ratify', '--versions', '-o', 'json'];
  const found = await ctx.cmd.run(search, { mutates: false, allowFailure: true, done });
  if (found.planned) return 'none';
  if (found.exitCode !== 0) return 'unknown';
  const charts = parseJson<{ name?: string; version?: string }[]>(found.stdout, 'helm search repo') ?? [];
  const versions = charts.filter((c) => c.name === 'ratify/ratify' && c.version).map((c) => c.version ?? '');
  return newerPatch(version, versions) ?? 'none';
}

/** `upgrade --install` (a second `helm install` fails), pinned, rolled back on failure, waited for; returns the revision. */
export async function upgradeInstall(
  ctx: Ctx,
  version: string,
  valuesPath: string,
  helmMajor: number,
  done: readonly ShellTest[],
): Promise<string> {
  const argv = [
    'helm',
    'upgrade',
    '--install',
    RELEASE,
    'ratify/ratify',
    '--namespace',
    NAMESPACE,
    '--version',
    version,
    ...installFlags(helmMajor),
    '--timeout',
    '10m',
    '-f',
    valuesPath,
  ];
  const planStdout = 'REVISION: <ratify-install.helmRevision>';
  const result = await ctx.cmd.run(argv, { mutates: true, timeoutMs: 12 * 60_000, planStdout, done });
  return /^REVISION:\s*(\S+)/m.exec(result.stdout)?.[1] ?? '';
}

/** Deletes, treating "already gone" as done (teardown can run again). */
export async function removeIfPresent(ctx: Ctx, argv: readonly string[]): Promise<void> {
  const result = await ctx.cmd.run(argv, { mutates: true, allowFailure: true });
  if (result.exitCode !== 0 && !isNotFound(result)) throw new Error(`${argv.slice(0, 3).join(' ')} failed: ${result.stderr.trim()}`);
}
