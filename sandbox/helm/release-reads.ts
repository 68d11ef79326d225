import type { ToolResult } from '../tool-result.js';
import { deepMerge, ratifyDefaults } from './charts.js';
import type { ClusterOps } from './cluster-ops.js';
import { fail, ok } from './common.js';
import type { Parsed } from './flags.js';
import { history, latest, type StoredRelease } from './release-store.js';
import { releaseJson, releaseTable } from './release-views.js';

/** The verbs that read releases back from the cluster's storage: status, list (ls), get values. */

export async function status(p: Parsed, ops: ClusterOps, ns: string, rest: string[]): Promise<ToolResult> {
  const rel = await latest(ops.client, ns, rest[0]!);
  if (!rel) throw fail('release: not found');
  return ok(p.flags.get('--output') === 'json' ? releaseJson(rel) : releaseTable(rel));
}

export async function list(p: Parsed, ops: ClusterOps, ns: string): Promise<ToolResult> {
  const all = p.flags.get('--all-namespaces') === 'true';
  const byName = new Map<string, StoredRelease>();
  for (const r of await history(ops.client, all ? undefined : ns)) byName.set(`${r.namespace}/${r.name}`, r);
  // --filter: a regular expression on the release name (pkg/cmd/list.go).
  let filter: RegExp | undefined;
  try {
    filter = p.flags.get('--filter') !== undefined ? new RegExp(p.flags.get('--filter')!) : undefined;
  } catch {
    throw fail(`error parsing regexp: ${p.flags.get('--filter')}`);
  }
  const rels = [...byName.values()].filter(
    (r) => (r.status === 'deployed' || p.flags.get('--all') === 'true' || r.status === 'failed') && (!filter || filter.test(r.name)),
  );
  const updated = (r: StoredRelease): string =>
    new Date(r.lastDeployed)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.(\d{3})Z$/, '.$1000000 +0000 UTC');
  if (p.flags.get('--output') === 'json') {
    return ok(
      JSON.stringify(
        rels.map((r) => ({
          name: r.name,
          namespace: r.namespace,
          revision: String(r.revision),
          updated: updated(r),
          status: r.status,
          chart: `${r.chart}-${r.chartVersion}`,
          app_version: r.appVersion,
        })),
      ) + '\n',
    );
  }
  const rows = [
    ['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'],
    ...rels.map((r) => [r.name, r.namespace, String(r.revision), updated(r), r.status, `${r.chart}-${r.chartVersion}`, r.appVersion]),
  ];
  return ok(rows.map((r) => r.map((c) => c.padEnd(8)).join('\t')).join('\n') + '\n');
}

/** `helm get values RELEASE [--all]`: the user-supplied values, or all of them merged over the chart's defaults. */
export async function getValues(p: Parsed, ops: ClusterOps, ns: string, rest: string[]): Promise<ToolResult> {
  const rel = await latest(ops.client, ns, rest[1] ?? '');
  if (!rel) throw fail('release: not found');
  const vals = p.flags.get('--all') === 'true' ? deepMerge(ratifyDefaults(), rel.config) : rel.config;
  return ok(p.flags.get('--output') === 'json' ? JSON.stringify(vals) + '\n' : `USER-SUPPLIED VALUES:\n${JSON.stringify(vals, null, 2)}\n`);
}
