import type { ToolContext } from '../tool-context.js';
import type { ToolResult } from '../tool-result.js';
import { LIVE_REPOS, normaliseRepoUrl } from './charts.js';
import { fail, ok, repoKey } from './common.js';
import type { Parsed } from './flags.js';
import { byteOrder } from '../../kernel/byte-order.js';

/**
 * `helm search repo [keyword] [--versions] [-o json]` (pkg/cmd/search_repo.go): charts of the
 * added repositories whose name contains the keyword; stable versions only unless --devel;
 * the newest first; JSON is one compact array of {name, version, app_version, description}.
 */
export function search(t: ToolContext, p: Parsed, rest: string[]): ToolResult {
  if (rest[0] !== 'repo') throw fail(`unknown command "${rest[0] ?? ''}" for "helm search"`);
  const repos = t.world.helmRepos[repoKey(t)] ?? {};
  if (Object.keys(repos).length === 0) throw fail('no repositories configured');
  const keyword = rest.slice(1).join(' ').toLowerCase();
  const rows: { name: string; version: string; app_version: string; description: string }[] = [];
  for (const [repoName, url] of Object.entries(repos).sort(([a], [b]) => byteOrder(a, b))) {
    const index = LIVE_REPOS[normaliseRepoUrl(url)];
    for (const [chartName, chart] of Object.entries(index?.charts ?? {}).sort(([a], [b]) => byteOrder(a, b))) {
      const name = `${repoName}/${chartName}`;
      if (keyword && !name.toLowerCase().includes(keyword)) continue;
      const versions = [...chart.versions].filter((v) => p.flags.get('--devel') === 'true' || !v.includes('-')).sort(compareVersionsDesc);
      for (const v of p.flags.get('--versions') === 'true' ? versions : versions.slice(0, 1)) {
        rows.push({ name, version: v, app_version: chart.appVersions[v] ?? v, description: chart.description ?? '' });
      }
    }
  }
  if (p.flags.get('--output') === 'json') return ok(`${JSON.stringify(rows)}\n`);
  if (rows.length === 0) return ok('No results found\n');
  const header = ['NAME', 'CHART VERSION', 'APP VERSION', 'DESCRIPTION'];
  const table = [header, ...rows.map((r) => [r.name, r.version, r.app_version, r.description])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return ok(
    table
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('\t')
          .trimEnd(),
      )
      .join('\n') + '\n',
  );
}

function compareVersionsDesc(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0);
  return 0;
}
