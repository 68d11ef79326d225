import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify as toYaml } from 'yaml';
import { connect, CredentialWaits } from '../kube/client/connect.js';
import { ApiStatus, Unreachable, type KubeClient } from '../kube/client/http.js';
import { Mapper, resourcePath } from '../kube/client/mapper.js';
import { crdObject } from '../kube/crds.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import type { HelmRelease } from '../world/model.js';
import { DEAD_REPOS, deepMerge, LIVE_REPOS, normaliseRepoUrl, ratifyDefaults } from './charts.js';
import { DEFAULT_HELM, helmMajorOf } from '../config.js';
import { applySet, SetParseError } from './values.js';
import { splitFlag } from '../split-flag.js';
import { forget, history, latest, save, type StoredRelease } from './release-store.js';
import { renderRatify, RenderError, type Manifest, type Rendered } from './ratify-chart.js';

/**
 * helm as the simulated machine has it (--sandbox-tools helm=3|4): errors as `Error: <msg>` on
 * stderr, exit 1. Helm 4 (helm/helm pkg/cmd at v4.2.4) takes a wait
 * strategy (`--wait` alone is `watcher`, flags.go AddWaitFlag), renames --atomic to
 * --rollback-on-failure and --force to --force-replace (upgrade.go, install.go: MarkDeprecated,
 * so the old names still work with a warning); Helm 3 (cmd/helm at v3.21.4) knows none of that.
 */
const VALUE = new Set([
  '-n',
  '--namespace',
  '--version',
  '-f',
  '--values',
  '--set',
  '--set-string',
  '--set-json',
  '--timeout',
  '-o',
  '--output',
  '--kubeconfig',
  '--kube-context',
  '--template',
  '--repo',
  '--username',
  '--password',
  '--description',
  '--max',
  '--cascade',
  '--max-col-width',
  '--filter',
]);
const BOOL = new Set([
  '-i',
  '--install',
  '--create-namespace',
  '--dry-run',
  '--force-update',
  '--short',
  '--ignore-not-found',
  '-A',
  '--all-namespaces',
  '--reuse-values',
  '--reset-values',
  '--debug',
  '--all',
  '--devel',
  '--wait-for-jobs',
  '--skip-crds',
  '--keep-history',
  '--no-hooks',
  '--cleanup-on-fail',
  '-l',
  '--versions',
  '-r',
  '--regexp',
  '--fail-on-no-result',
]);
const BOOL_V3 = new Set(['--atomic', '--force', '--wait']);
const BOOL_V4 = new Set(['--atomic', '--force', '--rollback-on-failure', '--force-replace']);
/** pflag's MarkDeprecated message: `Flag --%s has been deprecated, %s`. */
const DEPRECATED_V4: Record<string, string> = { '--atomic': 'use --rollback-on-failure instead', '--force': 'use --force-replace instead' };
const WAIT_STRATEGIES = ['watcher', 'hookOnly', 'legacy'] as const;
const SHORT: Record<string, string> = {
  '-n': '--namespace',
  '-f': '--values',
  '-o': '--output',
  '-i': '--install',
  '-A': '--all-namespaces',
  '-l': '--versions',
  '-r': '--regexp',
};
/** Helm 4 keeps the old names as deprecated aliases of these. */
const RENAMED_V4: Record<string, string> = { '--atomic': '--rollback-on-failure', '--force': '--force-replace' };
const APPEND = new Set(['-f', '--values', '--set', '--set-string', '--set-json']);

const fail = (msg: string): ToolError => new ToolError(`Error: ${msg}\n`, 1);

interface Parsed {
  cmd: string[];
  flags: Map<string, string>;
  multi: { flag: string; value: string }[];
  /** Deprecation warnings helm prints on stderr before it runs (Helm 4). */
  warnings: string[];
}

export function helmVersionOf(t: Pick<ToolContext, 'world'>): string {
  return t.world.config?.helm ?? DEFAULT_HELM;
}

function parse(argv: readonly string[], major: number): Parsed {
  const flags = new Map<string, string>();
  const multi: { flag: string; value: string }[] = [];
  const cmd: string[] = [];
  const warnings: string[] = [];
  const bools = major >= 4 ? BOOL_V4 : BOOL_V3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      cmd.push(a);
      continue;
    }
    const { name, value: inline } = splitFlag(a);
    let value = inline;
    const canon = SHORT[name] ?? name;
    if (VALUE.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw fail(`flag needs an argument: ${name}`);
      }
      if (APPEND.has(name)) multi.push({ flag: canon, value });
      else flags.set(canon, value);
    } else if (name === '--wait' && major >= 4) {
      flags.set('--wait', waitStrategy(value ?? 'watcher', warnings));
    } else if (BOOL.has(name) || bools.has(name)) {
      if (value !== undefined && !['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(value)) {
        throw fail(`invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      }
      const on = value === undefined || ['true', '1', 't', 'TRUE', 'True'].includes(value);
      if (major >= 4 && DEPRECATED_V4[name]) warnings.push(`Flag ${name} has been deprecated, ${DEPRECATED_V4[name]}`);
      const key = major >= 4 ? (RENAMED_V4[canon] ?? canon) : canon;
      flags.set(key, on ? 'true' : 'false');
    } else throw fail(`unknown flag: ${name}`);
  }
  return { cmd, flags, multi, warnings };
}

/** Helm 4's WaitStrategy flag value (pkg/cmd/flags.go waitValue.Set). */
function waitStrategy(value: string, warnings: string[]): string {
  if ((WAIT_STRATEGIES as readonly string[]).includes(value)) return value;
  if (value === 'true' || value === 'false') {
    const instead = value === 'true' ? 'watcher' : 'hookOnly';
    warnings.push(`level=WARN msg="--wait=${value} is deprecated (boolean value) and can be replaced with --wait=${instead}"`);
    return instead;
  }
  const valid = 'watcher, hookOnly, and legacy';
  throw fail(`invalid argument "${value}" for "--wait" flag: invalid wait input "${value}". Valid inputs are ${valid}`);
}

/** Whether an install/upgrade waits for the resources: Helm 3 --wait/--atomic; Helm 4 watcher, legacy, or rollback-on-failure. */
function waits(p: Parsed, major: number): boolean {
  if (major >= 4) return ['watcher', 'legacy'].includes(p.flags.get('--wait') ?? '') || p.flags.get('--rollback-on-failure') === 'true';
  return p.flags.get('--wait') === 'true' || p.flags.get('--atomic') === 'true';
}

const rollsBack = (p: Parsed, major: number): boolean => p.flags.get(major >= 4 ? '--rollback-on-failure' : '--atomic') === 'true';

function repoKey(t: ToolContext): string {
  return t.env.HELM_REPOSITORY_CONFIG ?? (t.env.HOME ? `${t.env.HOME}/.config/helm/repositories.yaml` : 'default');
}

const ansic = (ms: number): string => {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
};
const goTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

function releaseJson(r: HelmRelease & { manifest?: string }): string {
  return (
    JSON.stringify({
      name: r.name,
      info: {
        first_deployed: goTime(r.firstDeployed),
        last_deployed: goTime(r.lastDeployed),
        deleted: '',
        description: r.description,
        status: r.status,
        notes: r.notes,
      },
      config: r.config,
      manifest: r.manifest ?? '',
      hooks: [],
      version: r.revision,
      namespace: r.namespace,
    }) + '\n'
  );
}

function releaseTable(r: HelmRelease): string {
  return `NAME: ${r.name}\nLAST DEPLOYED: ${ansic(r.lastDeployed)}\nNAMESPACE: ${r.namespace}\nSTATUS: ${r.status}\nREVISION: ${r.revision}\nTEST SUITE: None\n${r.notes ? `NOTES:\n${r.notes}\n` : ''}`;
}

/** `ratify/ratify` -> the chart in the repo the user added under that name. */
function locateChart(t: ToolContext, ref: string, version: string | undefined): { chart: string; version: string; appVersion: string } {
  const [repoName, chartName] = ref.includes('/') ? (ref.split('/') as [string, string]) : [undefined, ref];
  if (!repoName) throw fail(`non-absolute URLs should be in form of repo_name/path_to_chart, got: ${ref}`);
  const url = t.world.helmRepos[repoKey(t)]?.[repoName];
  if (!url) throw fail(`repo ${repoName} not found`);
  const repo = LIVE_REPOS[normaliseRepoUrl(url)];
  const chart = repo?.charts[chartName];
  if (!chart)
    throw fail(
      `chart "${chartName}" matching ${version ?? ''} not found in ${repoName} index. (try 'helm repo update'): no chart name found`,
    );
  const v = version ?? chart.versions[0]!;
  if (!chart.versions.includes(v))
    throw fail(
      `chart "${chartName}" matching ${v} not found in ${repoName} index. (try 'helm repo update'): no chart version found for ${chartName}-${v}`,
    );
  return { chart: chartName, version: v, appVersion: chart.appVersions[v] ?? v };
}

function userValues(t: ToolContext, p: Parsed): Record<string, unknown> {
  let vals: Record<string, unknown> = {};
  for (const { flag, value } of p.multi) {
    if (flag === '--values') {
      let text: string;
      try {
        text = value === '-' ? t.stdin : readFileSync(resolve(t.cwd, value), 'utf8');
      } catch {
        throw fail(`open ${value}: no such file or directory`);
      }
      let doc: unknown;
      try {
        doc = parseYaml(text) ?? {};
      } catch (e) {
        throw fail(`failed to parse ${value}: error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
      }
      vals = deepMerge(vals, doc as Record<string, unknown>);
    }
  }
  for (const { flag, value } of p.multi) {
    if (flag === '--values') continue;
    try {
      applySet(vals, value, flag === '--set' ? 'set' : flag === '--set-string' ? 'set-string' : 'set-json');
    } catch (e) {
      if (e instanceof SetParseError) throw fail(e.message);
      throw e;
    }
  }
  return vals;
}

const manifestText = (chart: string, objs: readonly Manifest[]): string =>
  objs.map((o) => `---\n# Source: ${chart}/templates/${o.kind.toLowerCase()}.yaml\n${toYaml(o)}`).join('');

/** Helm's ownership marks on what it manages (checked before it takes an existing object over). */
function owned(o: Manifest, rel: { name: string; namespace: string }): Manifest {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { ...o.metadata.annotations, 'meta.helm.sh/release-name': rel.name, 'meta.helm.sh/release-namespace': rel.namespace },
    },
  };
}

interface ClusterOps {
  mapper: Mapper;
  client: KubeClient;
  /** What this call created (an atomic install removes exactly these on failure). */
  created: Manifest[];
}

async function pathOf(ops: ClusterOps, o: Manifest, name = true): Promise<string> {
  const r = await ops.mapper.forKind(o.apiVersion, o.kind);
  if (!r)
    throw new ToolError(
      `Error: unable to build kubernetes objects from release manifest: resource mapping not found for name: "${o.metadata.name}" namespace: "${o.metadata.namespace ?? ''}" from "": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first\n`,
      1,
    );
  return resourcePath(r, o.metadata.namespace, name ? o.metadata.name : undefined);
}

async function existing(ops: ClusterOps, o: Manifest): Promise<Manifest | undefined> {
  try {
    return await ops.client.json<Manifest>('GET', await pathOf(ops, o));
  } catch (e) {
    if (e instanceof ApiStatus && e.code === 404) return undefined;
    throw e;
  }
}

/** helm's existingResourceConflict: an object it did not create blocks the install. */
async function ownershipProblem(
  ops: ClusterOps,
  objs: readonly Manifest[],
  rel: { name: string; namespace: string },
): Promise<string | undefined> {
  for (const o of objs) {
    const cur = await existing(ops, o);
    if (!cur) continue;
    const problems: string[] = [];
    if (cur.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'Helm')
      problems.push('label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"');
    if (cur.metadata.annotations?.['meta.helm.sh/release-name'] !== rel.name)
      problems.push(`annotation validation error: missing key "meta.helm.sh/release-name": must be set to "${rel.name}"`);
    if (cur.metadata.annotations?.['meta.helm.sh/release-namespace'] !== rel.namespace)
      problems.push(`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "${rel.namespace}"`);
    if (problems.length) {
      return `Unable to continue with install: ${o.kind} "${o.metadata.name}" in namespace "${o.metadata.namespace ?? ''}" exists and cannot be imported into the current release: invalid ownership metadata; ${problems.join('; ')}`;
    }
  }
  return undefined;
}

/** Creates or replaces one object through the API ("failed to create resource: ..." on refusal). */
async function put(ops: ClusterOps, o: Manifest): Promise<void> {
  const cur = await existing(ops, o);
  try {
    if (cur)
      await ops.client.json('PUT', await pathOf(ops, o), {
        body: JSON.stringify({
          ...o,
          metadata: { ...o.metadata, resourceVersion: (cur.metadata as { resourceVersion?: string }).resourceVersion },
        }),
      });
    else {
      await ops.client.json('POST', await pathOf(ops, o, false), { body: JSON.stringify(o) });
      ops.created.push(o);
    }
  } catch (e) {
    if (e instanceof ApiStatus) throw new InstallProblem(`failed to ${cur ? 'update' : 'create'} resource: ${e.message}`);
    throw e;
  }
}

async function removeObject(ops: ClusterOps, o: Manifest): Promise<void> {
  try {
    await ops.client.json('DELETE', await pathOf(ops, o));
  } catch (e) {
    if (!(e instanceof ApiStatus) || e.code !== 404) throw e;
  }
}

class InstallProblem extends Error {}

/** Installs what the chart renders: CRDs (kept if present), hooks (replaced), then the release's objects. */
async function applyChart(
  ops: ClusterOps,
  rendered: Rendered,
  previous: readonly Manifest[],
  rel: { name: string; namespace: string },
  now: number,
): Promise<Manifest[]> {
  for (const shape of rendered.crds) {
    const crd = crdObject(shape, now);
    const m = { apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name }, spec: crd.spec } as Manifest;
    if (!(await existing(ops, m))) await put(ops, m);
  }
  // The mapper learnt the API before the CRDs existed.
  ops.mapper = new Mapper(ops.client, { fresh: true });
  for (const h of rendered.hooks) {
    await removeObject(ops, h);
    await put(ops, h);
  }
  const created: Manifest[] = [];
  for (const o of rendered.resources) {
    await put(ops, owned(o, rel));
    created.push(o);
  }
  for (const old of previous) {
    if (
      !rendered.resources.some(
        (o) => o.kind === old.kind && o.metadata.name === old.metadata.name && o.metadata.namespace === old.metadata.namespace,
      )
    )
      await removeObject(ops, old);
  }
  return created;
}

function manifestObjects(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((o): o is Manifest => Boolean(o?.kind));
}

/** `--wait`: the release's deployments become available, or the timeout ends it. */
async function waitReady(t: ToolContext, ops: ClusterOps, objs: readonly Manifest[], timeoutMs: number): Promise<boolean> {
  const deadline = t.clock.now() + timeoutMs;
  for (const o of objs.filter((x) => x.kind === 'Deployment')) {
    const path = await pathOf(ops, o, false);
    let ready = false;
    const check = (d: { status?: { availableReplicas?: number }; spec?: { replicas?: number } }): void => {
      ready = Number(d.status?.availableReplicas ?? 0) >= Number(d.spec?.replicas ?? 1);
    };
    check(await ops.client.json('GET', `${path}/${o.metadata.name}`));
    while (!ready && t.clock.now() < deadline) {
      await ops.client.request('GET', path, {
        query: {
          watch: 'true',
          fieldSelector: `metadata.name=${o.metadata.name}`,
          timeoutSeconds: String(Math.max(1, Math.ceil((deadline - t.clock.now()) / 1000))),
        },
        onLine: (line) => {
          const ev = JSON.parse(line) as { type: string; object: Parameters<typeof check>[0] };
          if (ev.type !== 'DELETED') check(ev.object);
          return !ready;
        },
      });
    }
    if (!ready) return false;
  }
  return true;
}

const timeoutOf = (s: string | undefined): number => {
  if (!s) return 5 * 60_000;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2]!]!;
  return total || 5 * 60_000;
};

export async function runHelm(t: ToolContext, argv: readonly string[]): Promise<ToolResult> {
  let warnings = '';
  try {
    const version = helmVersionOf(t);
    const major = helmMajorOf(version);
    const p = parse(argv, major);
    warnings = p.warnings.map((w) => `${w}\n`).join('');
    const result = await runParsed(t, p, version, major);
    return { ...result, stderr: warnings + result.stderr };
  } catch (e) {
    if (e instanceof ToolError) return { stdout: e.stdout, stderr: warnings + e.message, exitCode: e.exitCode };
    if (e instanceof Unreachable) {
      return { stdout: '', stderr: `${warnings}${e.before}Error: Kubernetes cluster unreachable: ${e.helm}\n`, exitCode: 1 };
    }
    if (e instanceof CredentialWaits) return { stdout: '', stderr: warnings + e.stderr, exitCode: 0, waitsForever: true };
    throw e;
  }
}

/** `helm version` of the simulated release: Go's %#v of BuildInfo (Helm 4 adds KubeClientVersion). */
function versionOutput(p: Parsed, version: string, major: number): ToolResult {
  const build =
    major >= 4
      ? { commit: '7e2bdeb76e4d3a44b4ef1fb1cb1b04d1e2a3c9f0', go: 'go1.25.7', extra: ', KubeClientVersion:"v1.35"' }
      : { commit: 'cc0bbbd6d6276b83880042c1ecb34087e84d41eb', go: 'go1.24.11', extra: '' };
  if (p.flags.get('--short') === 'true') return ok(`${version}+g${build.commit.slice(0, 7)}\n`);
  const template = p.flags.get('--template');
  const field = (name: string) => new RegExp(`\\{\\{\\s*\\.${name}\\s*\\}\\}`, 'g');
  if (template) {
    return ok(template.replace(field('Version'), version).replace(field('GoVersion'), build.go).replace(field('GitCommit'), build.commit));
  }
  const info = `Version:"${version}", GitCommit:"${build.commit}", GitTreeState:"clean", GoVersion:"${build.go}"${build.extra}`;
  return ok(`version.BuildInfo{${info}}\n`);
}

async function runParsed(t: ToolContext, p: Parsed, version: string, major: number): Promise<ToolResult> {
  {
    const [sub, ...rest] = p.cmd;
    switch (sub) {
      case undefined:
      case 'help':
        return { stdout: 'The Kubernetes package manager (ratify-runbook sandbox)\n', stderr: '', exitCode: 0 };
      case 'version':
        return versionOutput(p, version, major);
      case 'repo':
        return repo(t, p, rest);
      case 'search':
        return search(t, p, rest);
    }
    if (!['install', 'upgrade', 'status', 'list', 'ls', 'get', 'uninstall', 'delete'].includes(sub))
      throw fail(`unknown command "${sub}" for "helm"\nRun 'helm --help' for usage.`);
    const installing = sub === 'install' || sub === 'upgrade';
    const prefix = sub === 'install' ? 'INSTALLATION FAILED: ' : sub === 'upgrade' ? 'UPGRADE FAILED: ' : '';
    if (installing && (!rest[0] || !rest[1]))
      throw new ToolError(
        `Error: "helm ${sub}" requires 2 arguments\n\nUsage:  helm ${sub} [${sub === 'install' ? 'NAME' : 'RELEASE'}] [CHART] [flags]\n`,
        1,
      );
    if ((sub === 'uninstall' || sub === 'delete') && !rest[0])
      throw new ToolError('Error: "helm uninstall" requires at least 1 argument\n\nUsage:  helm uninstall RELEASE_NAME [...] [flags]\n', 1);
    if (sub === 'status' && !rest[0])
      throw new ToolError('Error: "helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]\n', 1);
    if (sub === 'get' && rest[0] !== 'values') throw fail(`unknown command "${rest[0] ?? ''}" for "helm get"`);
    let conn;
    try {
      conn = await connect(t, {
        ...(p.flags.get('--kubeconfig') ? { kubeconfig: p.flags.get('--kubeconfig')! } : {}),
        ...(p.flags.get('--kube-context') ? { context: p.flags.get('--kube-context')! } : {}),
      });
      // Helm reads the server version before anything else.
      await conn.client.json('GET', '/version');
    } catch (e) {
      const installPrefix = sub === 'install' ? prefix : '';
      if (e instanceof Unreachable) throw new ToolError(`${e.before}Error: ${installPrefix}Kubernetes cluster unreachable: ${e.helm}\n`, 1);
      if (e instanceof ApiStatus)
        throw fail(
          `${sub === 'install' ? prefix : ''}Kubernetes cluster unreachable: ${e.code === 401 ? 'the server has asked for the client to provide credentials' : e.message}`,
        );
      throw e;
    }
    const ops: ClusterOps = { client: conn.client, mapper: new Mapper(conn.client), created: [] };
    const ns = p.flags.get('--namespace') ?? conn.target.namespace ?? 'default';
    switch (sub) {
      case 'install':
      case 'upgrade':
        return await installOrUpgrade(t, p, ops, { sub, name: rest[0]!, chartRef: rest[1]!, ns, prefix, major });
      case 'status': {
        const rel = await latest(ops.client, ns, rest[0]!);
        if (!rel) throw fail('release: not found');
        return ok(p.flags.get('--output') === 'json' ? releaseJson(rel) : releaseTable(rel));
      }
      case 'list':
      case 'ls': {
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
      case 'get': {
        const rel = await latest(ops.client, ns, rest[1] ?? '');
        if (!rel) throw fail('release: not found');
        const vals = p.flags.get('--all') === 'true' ? deepMerge(ratifyDefaults(), rel.config) : rel.config;
        return ok(
          p.flags.get('--output') === 'json' ? JSON.stringify(vals) + '\n' : `USER-SUPPLIED VALUES:\n${JSON.stringify(vals, null, 2)}\n`,
        );
      }
      default: {
        const name = rest[0]!;
        const rel = await latest(ops.client, ns, name);
        if (!rel) {
          if (p.flags.get('--ignore-not-found') === 'true') return ok('');
          throw fail(`uninstall: Release not loaded: ${name}: release: not found`);
        }
        // Hooks (KMP, Verifier, Store, Policy, Provider) and CRDs are not part of the release: they stay (docs/errata.md#teardown).
        for (const o of manifestObjects(rel.manifest).reverse()) await removeObject(ops, o);
        await forget(ops.client, rel);
        return ok(`release "${name}" uninstalled\n`);
      }
    }
  }
}

interface InstallCall {
  sub: 'install' | 'upgrade';
  name: string;
  chartRef: string;
  ns: string;
  /** `INSTALLATION FAILED: ` or `UPGRADE FAILED: `. */
  prefix: string;
  /** Helm's major version (flags and messages differ). */
  major: number;
}

async function installOrUpgrade(t: ToolContext, p: Parsed, ops: ClusterOps, call: InstallCall): Promise<ToolResult> {
  const { sub, name, chartRef, ns, prefix, major } = call;
  const install = sub === 'install' || p.flags.get('--install') === 'true';
  const previous = await history(ops.client, ns, name);
  const existingRel = previous.at(-1);
  const upgrading =
    existingRel !== undefined &&
    existingRel.status !== 'uninstalled' &&
    (sub === 'upgrade' ? previous.some((r) => r.status === 'deployed' || r.status === 'failed') : true);
  if (sub === 'install' && existingRel && existingRel.status !== 'uninstalled')
    throw fail(`${prefix}cannot re-use a name that is still in use`);
  if (sub === 'upgrade' && !install && !existingRel) throw fail(`${prefix}"${name}" has no deployed releases`);
  let chart: ReturnType<typeof locateChart>;
  try {
    chart = locateChart(t, chartRef, p.flags.get('--version'));
  } catch (e) {
    if (e instanceof ToolError && sub === 'install') throw fail(`${prefix}${e.message.replace(/^Error: /, '').trimEnd()}`);
    throw e;
  }
  const nsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  try {
    await ops.client.json('GET', nsPath);
  } catch (e) {
    if (!(e instanceof ApiStatus) || e.code !== 404) throw e;
    if (p.flags.get('--create-namespace') !== 'true')
      throw fail(`${existingRel || sub === 'install' ? prefix : ''}create: failed to create: namespaces "${ns}" not found`);
    await ops.client.json('POST', '/api/v1/namespaces', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    });
  }
  const config =
    p.flags.get('--reuse-values') === 'true' && existingRel ? deepMerge(existingRel.config, userValues(t, p)) : userValues(t, p);
  const now = t.clock.now();
  const atomic = rollsBack(p, major);
  const wait = waits(p, major);
  const rel: StoredRelease = {
    name,
    namespace: ns,
    chart: chart.chart,
    chartVersion: chart.version,
    appVersion: chart.appVersion,
    revision: (existingRel?.revision ?? 0) + 1,
    status: 'deployed',
    description: upgrading ? 'Upgrade complete' : 'Install complete',
    firstDeployed: upgrading ? existingRel.firstDeployed : now,
    lastDeployed: now,
    config,
    notes:
      chart.chart === 'ratify'
        ? `***********************************************************************************\nRatify is now installed. Verify it with: kubectl get pods -n ${ns}\n***********************************************************************************`
        : '',
    manifest: '',
  };
  const failed = async (problem: string): Promise<never> => {
    if (atomic) {
      for (const o of ops.created
        .filter((c) => !c.metadata.annotations?.['helm.sh/hook'] && c.kind !== 'CustomResourceDefinition')
        .reverse())
        await removeObject(ops, o);
      if (!upgrading) await forget(ops.client, rel);
      const how = upgrading ? 'rolled back' : 'uninstalled';
      const flag = major >= 4 ? 'rollback-on-failure' : 'atomic';
      throw fail(`release ${name} failed, and has been ${how} due to ${flag} being set: ${problem}`);
    }
    await save(ops.client, { ...rel, status: 'failed', description: `Release "${name}" failed: ${problem}` });
    throw fail(upgrading || sub === 'install' ? `${prefix}${problem}` : problem);
  };
  let rendered: Rendered | undefined;
  try {
    rendered =
      chart.chart === 'ratify'
        ? renderRatify(config, { name, namespace: ns, chartVersion: chart.version, appVersion: chart.appVersion })
        : undefined;
  } catch (e) {
    if (e instanceof RenderError) return failed(e.message);
    throw e;
  }
  // Chart download, CRDs and hooks take their time before anything is created.
  await t.clock.sleep(t.latency.ms('helmInstall'));
  if (rendered) {
    const conflict = upgrading ? undefined : await ownershipProblem(ops, rendered.resources, { name, namespace: ns });
    if (conflict) return failed(conflict);
    rel.manifest = manifestText(
      chart.chart,
      rendered.resources.map((o) => owned(o, { name, namespace: ns })),
    );
    try {
      await applyChart(ops, rendered, existingRel ? manifestObjects(existingRel.manifest) : [], { name, namespace: ns }, now);
    } catch (e) {
      if (e instanceof InstallProblem) return failed(e.message);
      throw e;
    }
    if (wait && !(await waitReady(t, ops, rendered.resources, timeoutOf(p.flags.get('--timeout')))))
      return failed('context deadline exceeded');
  }
  if (existingRel && existingRel.status === 'deployed') await save(ops.client, { ...existingRel, status: 'superseded' });
  await save(ops.client, rel);
  if (p.flags.get('--output') === 'json') return ok(releaseJson(rel));
  const head =
    sub === 'upgrade'
      ? upgrading
        ? `Release "${name}" has been upgraded. Happy Helming!\n`
        : `Release "${name}" does not exist. Installing it now.\n`
      : '';
  return ok(head + releaseTable(rel));
}

const ok = (stdout: string): ToolResult => ({ stdout, stderr: '', exitCode: 0 });

/**
 * `helm search repo [keyword] [--versions] [-o json]` (pkg/cmd/search_repo.go): charts of the
 * added repositories whose name contains the keyword; stable versions only unless --devel;
 * the newest first; JSON is one compact array of {name, version, app_version, description}.
 */
function search(t: ToolContext, p: Parsed, rest: string[]): ToolResult {
  if (rest[0] !== 'repo') throw fail(`unknown command "${rest[0] ?? ''}" for "helm search"`);
  const repos = t.world.helmRepos[repoKey(t)] ?? {};
  if (Object.keys(repos).length === 0) throw fail('no repositories configured');
  const keyword = rest.slice(1).join(' ').toLowerCase();
  const rows: { name: string; version: string; app_version: string; description: string }[] = [];
  for (const [repoName, url] of Object.entries(repos).sort(([a], [b]) => a.localeCompare(b))) {
    const index = LIVE_REPOS[normaliseRepoUrl(url)];
    for (const [chartName, chart] of Object.entries(index?.charts ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
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

function repo(t: ToolContext, p: Parsed, rest: string[]): ToolResult {
  const key = repoKey(t);
  const repos = (t.world.helmRepos[key] ??= {});
  switch (rest[0]) {
    case 'add': {
      const [, name, url] = rest;
      if (!name || !url)
        throw new ToolError('Error: "helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]\n', 1);
      if (name.includes('/')) throw fail(`repository name (${name}) contains '/', please specify a different name without '/'`);
      const norm = normaliseRepoUrl(url);
      if (repos[name] !== undefined) {
        if (normaliseRepoUrl(repos[name]) === norm) return ok(`"${name}" already exists with the same configuration, skipping\n`);
        if (p.flags.get('--force-update') !== 'true')
          throw fail(`repository name (${name}) already exists, please specify a different name`);
      }
      if (!LIVE_REPOS[norm]) {
        const why = DEAD_REPOS.includes(norm)
          ? '404 Not Found'
          : `Get "${norm}/index.yaml": dial tcp: lookup ${norm.replace(/^https?:\/\//, '').split('/')[0]}: no such host`;
        throw fail(`looks like "${url}" is not a valid chart repository or cannot be reached: failed to fetch ${norm}/index.yaml : ${why}`);
      }
      repos[name] = url;
      t.markDirty();
      return ok(`"${name}" has been added to your repositories\n`);
    }
    case 'update':
    case 'up': {
      const names = Object.keys(repos);
      if (names.length === 0) throw fail('no repositories found. You must add one before updating');
      return ok(
        `Hang tight while we grab the latest from your chart repositories...\n${names.map((n) => `...Successfully got an update from the "${n}" chart repository\n`).join('')}Update Complete. ⎈Happy Helming!⎈\n`,
      );
    }
    case 'list':
    case 'ls': {
      const names = Object.keys(repos);
      if (names.length === 0) throw fail('no repositories to show');
      if (p.flags.get('--output') === 'json') return ok(JSON.stringify(names.map((n) => ({ name: n, url: repos[n] }))) + '\n');
      return ok(['NAME\tURL', ...names.map((n) => `${n}\t${repos[n]}`)].join('\n') + '\n');
    }
    case 'remove':
    case 'rm': {
      for (const n of rest.slice(1)) {
        if (repos[n] === undefined) throw fail(`no repo named "${n}" found`);
        delete repos[n];
      }
      t.markDirty();
      return ok(
        rest
          .slice(1)
          .map((n) => `"${n}" has been removed from your repositories\n`)
          .join(''),
      );
    }
    default:
      throw fail(`unknown command "${rest[0] ?? ''}" for "helm repo"`);
  }
}
