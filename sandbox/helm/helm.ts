import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { helmUnreachable, resolveCluster } from '../kube/access.js';
import { authenticate, type Authentication } from '../kube/auth.js';
import { addDeployment, getObject, log, makeObject, putObject, removeDeployment } from '../kube/objects.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import type { HelmRelease, KubeData } from '../world/model.js';
import { DEAD_REPOS, deepMerge, getPath, LIVE_REPOS, normaliseRepoUrl, ratifyDefaults } from './charts.js';
import { DEFAULT_HELM, helmMajorOf } from '../config.js';
import { applySet, SetParseError } from './values.js';
import { splitFlag } from '../split-flag.js';

/**
 * helm as the simulated machine has it (--sandbox-tools helm=3|4): errors as `Error: <msg>` on
 * stderr, exit 1. Helm 4 (helm/helm pkg/cmd at v4.2.4) takes a wait
 * strategy (`--wait` alone is `watcher`, flags.go AddWaitFlag), renames --atomic to
 * --rollback-on-failure and --force to --force-replace (upgrade.go, install.go: MarkDeprecated,
 * so the old names still work with a warning); Helm 3 (cmd/helm at v3.21.4) knows none of that.
 */
const VALUE = new Set([
  '-n', '--namespace', '--version', '-f', '--values', '--set', '--set-string', '--set-json', '--timeout', '-o', '--output',
  '--kubeconfig', '--kube-context', '--template', '--repo', '--username', '--password', '--description', '--max', '--cascade',
  '--max-col-width', '--filter',
]);
const BOOL = new Set([
  '-i', '--install', '--create-namespace', '--dry-run', '--force-update', '--short', '--ignore-not-found', '-A',
  '--all-namespaces', '--reuse-values', '--reset-values', '--debug', '--all', '--devel', '--wait-for-jobs', '--skip-crds',
  '--keep-history', '--no-hooks', '--cleanup-on-fail', '-l', '--versions', '-r', '--regexp', '--fail-on-no-result',
]);
const BOOL_V3 = new Set(['--atomic', '--force', '--wait']);
const BOOL_V4 = new Set(['--atomic', '--force', '--rollback-on-failure', '--force-replace']);
/** pflag's MarkDeprecated message: `Flag --%s has been deprecated, %s`. */
const DEPRECATED_V4: Record<string, string> = { '--atomic': 'use --rollback-on-failure instead', '--force': 'use --force-replace instead' };
const WAIT_STRATEGIES = ['watcher', 'hookOnly', 'legacy'] as const;
const SHORT: Record<string, string> = {
  '-n': '--namespace', '-f': '--values', '-o': '--output', '-i': '--install',
  '-A': '--all-namespaces', '-l': '--versions', '-r': '--regexp',
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
    let { name, value } = splitFlag(a);
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

function releaseJson(r: HelmRelease): string {
  return (
    JSON.stringify({
      name: r.name,
      info: { first_deployed: goTime(r.firstDeployed), last_deployed: goTime(r.lastDeployed), deleted: '', description: r.description, status: r.status, notes: r.notes },
      config: r.config,
      manifest: `---\n# Source: ${r.chart}/templates/deployment.yaml\n`,
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
  if (!chart) throw fail(`chart "${chartName}" matching ${version ?? ''} not found in ${repoName} index. (try 'helm repo update'): no chart name found`);
  const v = version ?? chart.versions[0]!;
  if (!chart.versions.includes(v)) throw fail(`chart "${chartName}" matching ${v} not found in ${repoName} index. (try 'helm repo update'): no chart version found for ${chartName}-${v}`);
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

const RATIFY_CRDS = ['stores', 'verifiers', 'certificatestores', 'policies', 'keymanagementproviders', 'namespacedkeymanagementproviders', 'namespacedpolicies', 'namespacedstores', 'namespacedverifiers'].map((x) => `${x}.config.ratify.deislabs.io`);

const AZURE_POLICY_DENIAL = 'admission webhook "byovalidation.policy.azure.com" denied the request: This cluster is governed by Azure Policy. Policies must be created through Azure.';

/** Renders the Ratify chart into the cluster, or returns why the install fails. */
function installRatify(kube: KubeData, addonOn: boolean, rel: HelmRelease, ns: string, now: number, readyAt: number): string | undefined {
  const values = deepMerge(ratifyDefaults(), rel.config);
  if (getPath(values, 'featureFlags.RATIFY_CERT_ROTATION') !== true && !getPath(values, 'provider.tls.crt')) {
    return 'execution error at (ratify/templates/secret.yaml:4:6): You must provide a TLS certificate for Ratify to use or enable RATIFY_CERT_ROTATION featureFlag';
  }
  const existing = getObject(kube, 'Deployment', ns, 'ratify');
  if (existing && existing.sandbox?.owner !== `helm/${ns}/${rel.name}`) {
    return `Unable to continue with install: Deployment "ratify" in namespace "${ns}" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "${rel.name}"; annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "${ns}"`;
  }
  // The add-on's webhook rejects Gatekeeper mutations created outside Azure Policy
  // (docs/troubleshooting.md#azure-policy-rejects-gatekeeper-objects).
  if (getPath(values, 'provider.enableMutation') === true && addonOn) return `failed to create resource: ${AZURE_POLICY_DENIAL}`;
  for (const crd of RATIFY_CRDS) if (!getObject(kube, 'CustomResourceDefinition', undefined, crd)) putObject(kube, makeObject('CustomResourceDefinition', 'apiextensions.k8s.io/v1', crd, undefined, now));
  const owner = `helm/${ns}/${rel.name}`;
  removeDeployment(kube, 'ratify', ns);
  addDeployment(kube, 'ratify', ns, `ghcr.io/ratify-project/ratify:${rel.appVersion}`, now, {
    labels: { 'app.kubernetes.io/instance': rel.name, 'app.kubernetes.io/name': 'ratify' },
    readyAt,
    owner: 'deployment/ratify',
  });
  kube.objects[`Deployment/${ns}/ratify`]!.sandbox!.owner = owner;
  putObject(kube, makeObject('Secret', 'v1', 'ratify-tls', ns, now, { spec: { type: 'kubernetes.io/tls' } }));
  const hook = (kind: string, apiVersion: string, name: string, spec: Record<string, unknown>): void => {
    putObject(kube, makeObject(kind, apiVersion, name, undefined, now, { annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' }, spec }));
  };
  const akv = getPath(values, 'azurekeyvault') as Record<string, unknown>;
  if (akv.enabled || getPath(values, 'akvCertConfig.enabled')) hook('KeyManagementProvider', 'config.ratify.deislabs.io/v1beta1', 'kmprovider-akv', { type: 'azurekeyvault', parameters: akv });
  hook('Verifier', 'config.ratify.deislabs.io/v1beta1', 'verifier-notation', { name: 'notation', artifactTypes: 'application/vnd.cncf.notary.signature', parameters: { trustPolicyDoc: { version: '1.0', trustPolicies: getPath(values, 'notation.trustPolicies') } } });
  hook('Store', 'config.ratify.deislabs.io/v1beta1', 'store-oras', { name: 'oras', parameters: { authProvider: getPath(values, 'oras.authProviders') } });
  hook('Policy', 'config.ratify.deislabs.io/v1beta1', 'ratify-policy', { type: 'config-policy', parameters: { artifactVerificationPolicies: { 'application/vnd.cncf.notary.signature': 'any' }, default: 'all' } });
  hook('Provider', 'externaldata.gatekeeper.sh/v1beta1', 'ratify-provider', { url: `https://ratify.${ns}:6001/ratify/gatekeeper/v1/verify`, timeout: 7 });
  if (getPath(values, 'provider.enableMutation') === true) hook('Provider', 'externaldata.gatekeeper.sh/v1beta1', 'ratify-mutation-provider', { url: `https://ratify.${ns}:6001/ratify/gatekeeper/v1/mutate`, timeout: 2 });
  log(kube, now, `${ns}/ratify`, `time="${new Date(now).toISOString()}" level=info msg="starting ratify ${rel.appVersion}"`);
  if (getPath(values, 'logLevel') !== undefined) log(kube, now, `${ns}/ratify`, `time="${new Date(now).toISOString()}" level=info msg="logger level: ${String(getPath(values, 'logger.level'))}"`);
  return undefined;
}

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
    throw e;
  }
}

/** `helm version` of the simulated release: Go's %#v of BuildInfo (Helm 4 adds KubeClientVersion). */
function versionOutput(p: Parsed, version: string, major: number): ToolResult {
  const build = major >= 4
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
    const access = resolveCluster(t.world, t.env, t.cwd, { ...(p.flags.get('--kubeconfig') ? { kubeconfig: p.flags.get('--kubeconfig')! } : {}), ...(p.flags.get('--kube-context') ? { context: p.flags.get('--kube-context')! } : {}) });
    const ns = p.flags.get('--namespace') ?? ('namespace' in access && access.namespace ? access.namespace : 'default');
    const unreachable = (prefix: string): ToolError => fail(`${prefix}${helmUnreachable(access as Exclude<typeof access, { ok: true }>)}`);
    if (access.ok) {
      const auth = await authenticate(t, access);
      if (!auth.ok) return helmAuthFailure(auth, access.server);
    }
    switch (sub) {
      case 'install':
      case 'upgrade': {
        const install = sub === 'install' || p.flags.get('--install') === 'true';
        const [name, chartRef] = rest;
        if (!name || !chartRef) throw new ToolError(`Error: "helm ${sub}" requires 2 arguments\n\nUsage:  helm ${sub} [${sub === 'install' ? 'NAME' : 'RELEASE'}] [CHART] [flags]\n`, 1);
        const prefix = sub === 'install' ? 'INSTALLATION FAILED: ' : 'UPGRADE FAILED: ';
        if (!access.ok) throw unreachable(sub === 'install' ? prefix : '');
        const { kube } = access;
        const key = `${ns}/${name}`;
        const existing = kube.releases[key];
        if (sub === 'install' && existing && existing.status !== 'uninstalled') throw fail(`${prefix}cannot re-use a name that is still in use`);
        if (sub === 'upgrade' && !install && !existing) throw fail(`${prefix}"${name}" has no deployed releases`);
        const chart = (() => {
          try {
            return locateChart(t, chartRef, p.flags.get('--version'));
          } catch (e) {
            if (e instanceof ToolError && sub === 'install') throw fail(`${prefix}${e.message.replace(/^Error: /, '').trimEnd()}`);
            throw e;
          }
        })();
        if (!getObject(kube, 'Namespace', undefined, ns)) {
          if (p.flags.get('--create-namespace') === 'true') putObject(kube, makeObject('Namespace', 'v1', ns, undefined, t.clock.now(), { status: { phase: 'Active' } }));
          else throw fail(`${existing ? prefix : sub === 'install' ? prefix : ''}create: failed to create: namespaces "${ns}" not found`);
        }
        const config = p.flags.get('--reuse-values') === 'true' && existing ? deepMerge(existing.config, userValues(t, p)) : userValues(t, p);
        const now = t.clock.now();
        const wait = waits(p, major);
        const installMs = t.latency.ms('helmInstall');
        const upgrading = existing !== undefined && existing.status !== 'uninstalled';
        const rel: HelmRelease = {
          name,
          namespace: ns,
          chart: chart.chart,
          chartVersion: chart.version,
          appVersion: chart.appVersion,
          revision: (existing?.revision ?? 0) + 1,
          status: 'deployed',
          description: upgrading ? 'Upgrade complete' : 'Install complete',
          firstDeployed: upgrading ? existing.firstDeployed : now,
          lastDeployed: now,
          config,
          notes: chart.chart === 'ratify' ? '***********************************************************************************\nRatify is now installed. Verify it with: kubectl get pods -n ' + ns + '\n***********************************************************************************' : '',
        };
        const addonOn = Boolean((access.cluster.properties.addonProfiles as Record<string, { enabled?: boolean }> | undefined)?.azurepolicy?.enabled);
        const problem = chart.chart === 'ratify' ? installRatify(kube, addonOn, rel, ns, now, now + installMs) : undefined;
        if (problem) {
          t.markDirty();
          if (rollsBack(p, major)) {
            const how = upgrading ? 'rolled back' : 'uninstalled';
            const flag = major >= 4 ? 'rollback-on-failure' : 'atomic';
            throw fail(`release ${name} failed, and has been ${how} due to ${flag} being set: ${problem}`);
          }
          kube.releases[key] = { ...rel, status: 'failed', description: `Release "${name}" failed: ${problem}` };
          throw fail(upgrading || sub === 'install' ? `${prefix}${problem}` : problem);
        }
        if (wait) await t.clock.sleep(installMs);
        kube.releases[key] = rel;
        t.markDirty();
        if (p.flags.get('--output') === 'json') return ok(releaseJson(rel));
        const head = sub === 'upgrade' ? (upgrading ? `Release "${name}" has been upgraded. Happy Helming!\n` : `Release "${name}" does not exist. Installing it now.\n`) : '';
        return ok(head + releaseTable(rel));
      }
      case 'status': {
        const name = rest[0];
        if (!name) throw new ToolError('Error: "helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]\n', 1);
        if (!access.ok) throw unreachable('');
        const rel = access.kube.releases[`${ns}/${name}`];
        if (!rel) throw fail('release: not found');
        return ok(p.flags.get('--output') === 'json' ? releaseJson(rel) : releaseTable(rel));
      }
      case 'list':
      case 'ls': {
        if (!access.ok) throw unreachable('');
        const all = p.flags.get('--all-namespaces') === 'true';
        // --filter: a regular expression on the release name (pkg/cmd/list.go).
        let filter: RegExp | undefined;
        try {
          filter = p.flags.get('--filter') !== undefined ? new RegExp(p.flags.get('--filter')!) : undefined;
        } catch {
          throw fail(`error parsing regexp: ${p.flags.get('--filter')}`);
        }
        const rels = Object.values(access.kube.releases).filter(
          (r) =>
            (all || r.namespace === ns) &&
            (r.status === 'deployed' || p.flags.get('--all') === 'true' || r.status === 'failed') &&
            (!filter || filter.test(r.name)),
        );
        if (p.flags.get('--output') === 'json') {
          return ok(JSON.stringify(rels.map((r) => ({ name: r.name, namespace: r.namespace, revision: String(r.revision), updated: new Date(r.lastDeployed).toISOString().replace('T', ' ').replace('Z', ' +0000 UTC'), status: r.status, chart: `${r.chart}-${r.chartVersion}`, app_version: r.appVersion }))) + '\n');
        }
        const rows = [['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'], ...rels.map((r) => [r.name, r.namespace, String(r.revision), new Date(r.lastDeployed).toISOString().replace('T', ' ').replace('Z', ' +0000 UTC'), r.status, `${r.chart}-${r.chartVersion}`, r.appVersion])];
        return ok(rows.map((r) => r.map((c) => c.padEnd(8)).join('\t')).join('\n') + '\n');
      }
      case 'get': {
        if (rest[0] !== 'values') throw fail(`unknown command "${rest[0] ?? ''}" for "helm get"`);
        if (!access.ok) throw unreachable('');
        const rel = access.kube.releases[`${ns}/${rest[1] ?? ''}`];
        if (!rel) throw fail('release: not found');
        const vals = p.flags.get('--all') === 'true' ? deepMerge(ratifyDefaults(), rel.config) : rel.config;
        return ok(p.flags.get('--output') === 'json' ? JSON.stringify(vals) + '\n' : `USER-SUPPLIED VALUES:\n${JSON.stringify(vals, null, 2)}\n`);
      }
      case 'uninstall':
      case 'delete': {
        const name = rest[0];
        if (!name) throw new ToolError('Error: "helm uninstall" requires at least 1 argument\n\nUsage:  helm uninstall RELEASE_NAME [...] [flags]\n', 1);
        if (!access.ok) throw unreachable('');
        const key = `${ns}/${name}`;
        const rel = access.kube.releases[key];
        if (!rel) {
          if (p.flags.get('--ignore-not-found') === 'true') return ok('');
          throw fail(`uninstall: Release not loaded: ${name}: release: not found`);
        }
        // Hooks (KMP, Verifier, Store, Policy, Provider), CRDs and ratify-tls stay (docs/errata.md#teardown).
        if (rel.chart === 'ratify') removeDeployment(access.kube, 'ratify', ns);
        delete access.kube.releases[key];
        t.markDirty();
        return ok(`release "${name}" uninstalled\n`);
      }
      default:
        throw fail(`unknown command "${sub}" for "helm"\nRun 'helm --help' for usage.`);
    }
  }
}

const ok = (stdout: string): ToolResult => ({ stdout, stderr: '', exitCode: 0 });

/** helm uses client-go like kubectl: the same credential plugin, the same refusals, in helm's words. */
function helmAuthFailure(auth: Exclude<Authentication, { ok: true }>, server: string): ToolResult {
  if (auth.kind === 'waits') return { stdout: '', stderr: auth.stderr, exitCode: 0, waitsForever: true };
  if (auth.kind === 'unauthorized') {
    const stderr = 'Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials\n';
    return { stdout: '', stderr, exitCode: 1 };
  }
  const stderr = `${auth.stderr}Error: Kubernetes cluster unreachable: Get "${server}/version": ${auth.message}\n`;
  return { stdout: '', stderr, exitCode: 1 };
}

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
  return ok(table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('\t').trimEnd()).join('\n') + '\n');
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
      if (!name || !url) throw new ToolError('Error: "helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]\n', 1);
      if (name.includes('/')) throw fail(`repository name (${name}) contains '/', please specify a different name without '/'`);
      const norm = normaliseRepoUrl(url);
      if (repos[name] !== undefined) {
        if (normaliseRepoUrl(repos[name]) === norm) return ok(`"${name}" already exists with the same configuration, skipping\n`);
        if (p.flags.get('--force-update') !== 'true') throw fail(`repository name (${name}) already exists, please specify a different name`);
      }
      if (!LIVE_REPOS[norm]) {
        const why = DEAD_REPOS.includes(norm) ? '404 Not Found' : `Get "${norm}/index.yaml": dial tcp: lookup ${norm.replace(/^https?:\/\//, '').split('/')[0]}: no such host`;
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
      return ok(`Hang tight while we grab the latest from your chart repositories...\n${names.map((n) => `...Successfully got an update from the "${n}" chart repository\n`).join('')}Update Complete. ⎈Happy Helming!⎈\n`);
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
      return ok(rest.slice(1).map((n) => `"${n}" has been removed from your repositories\n`).join(''));
    }
    default:
      throw fail(`unknown command "${rest[0] ?? ''}" for "helm repo"`);
  }
}

