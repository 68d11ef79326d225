import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ApiStatus } from '../kube/client/http.js';
import { Mapper } from '../kube/client/mapper.js';
import { crdObject } from '../kube/crds.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import { deepMerge, LIVE_REPOS, normaliseRepoUrl } from './charts.js';
import { type ClusterOps, create, existing, InstallProblem, manifestObjects, pathOf, put, removeObject } from './cluster-ops.js';
import { fail, ok, repoKey } from './common.js';
import { rollsBack, timeoutOf, waits, type Parsed } from './flags.js';
import { renderRatify, RenderError, type Manifest, type Rendered } from './ratify-chart.js';
import { forget, history, save, type StoredRelease } from './release-store.js';
import { releaseJson, releaseTable } from './release-views.js';
import { applySet, SetParseError } from './values.js';

/** `helm install` and `helm upgrade [--install]`: chart lookup, values, ownership checks, apply, --wait, rollback on failure. */

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

/**
 * helm's existingResourceConflict: an object it did not create blocks the install. `found`: how
 * many of the objects exist already (Helm takes those over with an update, and creates the rest).
 */
async function ownershipProblem(
  ops: ClusterOps,
  objs: readonly Manifest[],
  rel: { name: string; namespace: string },
): Promise<{ problem?: string; found: number }> {
  let found = 0;
  for (const o of objs) {
    const cur = await existing(ops, o);
    if (!cur) continue;
    found += 1;
    const problems: string[] = [];
    if (cur.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'Helm')
      problems.push('label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"');
    if (cur.metadata.annotations?.['meta.helm.sh/release-name'] !== rel.name)
      problems.push(`annotation validation error: missing key "meta.helm.sh/release-name": must be set to "${rel.name}"`);
    if (cur.metadata.annotations?.['meta.helm.sh/release-namespace'] !== rel.namespace)
      problems.push(`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "${rel.namespace}"`);
    if (problems.length) {
      return {
        found,
        problem: `Unable to continue with install: ${o.kind} "${o.metadata.name}" in namespace "${o.metadata.namespace ?? ''}" exists and cannot be imported into the current release: invalid ownership metadata; ${problems.join('; ')}`,
      };
    }
  }
  return { found };
}

/**
 * Installs what the chart renders: CRDs (kept if present), hooks (replaced), then the release's
 * objects: created outright when none of them exists yet (`fresh`, helm's KubeClient.Create after
 * its conflict check), else each one updated or created.
 */
async function applyChart(
  ops: ClusterOps,
  rendered: Rendered,
  previous: readonly Manifest[],
  rel: { name: string; namespace: string },
  now: number,
  fresh: boolean,
): Promise<Manifest[]> {
  for (const shape of rendered.crds) {
    const crd = crdObject(shape, now);
    const m = { apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name }, spec: crd.spec } as Manifest;
    // helm's installCRDs: create, and an AlreadyExists means "CRD ... is already present. Skipping."
    await create(ops, m, { keepExisting: true });
  }
  // The mapper learnt the API before the CRDs existed.
  ops.mapper = new Mapper(ops.client, { fresh: true });
  // No helm.sh/hook-delete-policy means before-hook-creation (Helm docs, "Hook deletion policies"):
  // the previous hook object is deleted, then the hook is created.
  for (const h of rendered.hooks) {
    await removeObject(ops, h);
    await create(ops, h);
  }
  const created: Manifest[] = [];
  for (const o of rendered.resources) {
    await (fresh ? create(ops, owned(o, rel)) : put(ops, owned(o, rel)));
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

export interface InstallCall {
  sub: 'install' | 'upgrade';
  name: string;
  chartRef: string;
  ns: string;
  /** `INSTALLATION FAILED: ` or `UPGRADE FAILED: `. */
  prefix: string;
  /** Helm's major version (flags and messages differ). */
  major: number;
}

export async function installOrUpgrade(t: ToolContext, p: Parsed, ops: ClusterOps, call: InstallCall): Promise<ToolResult> {
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
    if (conflict?.problem) return failed(conflict.problem);
    rel.manifest = manifestText(
      chart.chart,
      rendered.resources.map((o) => owned(o, { name, namespace: ns })),
    );
    try {
      const previousObjects = existingRel ? manifestObjects(existingRel.manifest) : [];
      await applyChart(ops, rendered, previousObjects, { name, namespace: ns }, now, conflict?.found === 0);
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
