import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments, stringify as toYaml } from 'yaml';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import type { KubeObject } from '../world/model.js';
import { rbacAllows } from '../world/rbac.js';
import { listByType } from '../world/resources.js';
import { kubectlUnreachable, resolveCluster } from './access.js';
import { authenticate, type Authentication } from './auth.js';
import { admitPod, evaluatePod } from './admission.js';
import { jsonpath } from './jsonpath.js';
import { deleteObject, getObject, makeObject, putObject, replicaPodName } from './objects.js';
import { policyObjects, policyView } from './policy.js';
import { kmpState, parseRef, ratifyRelease, releaseValues, type Env } from './ratify.js';
import { splitFlag } from '../split-flag.js';

/** kubectl v1.32 behaviour: errors on stderr, exit 1. */
interface TypeDef {
  kind: string;
  names: string[];
  namespaced: boolean;
  group: string;
  /** CRD that must exist for the type to be known. */
  crd?: string;
}

const TYPES: TypeDef[] = [
  { kind: 'Pod', names: ['pods', 'pod', 'po'], namespaced: true, group: '' },
  { kind: 'Namespace', names: ['namespaces', 'namespace', 'ns'], namespaced: false, group: '' },
  { kind: 'Deployment', names: ['deployments', 'deployment', 'deploy', 'deployments.apps', 'deployment.apps'], namespaced: true, group: 'apps' },
  { kind: 'Secret', names: ['secrets', 'secret'], namespaced: true, group: '' },
  { kind: 'ServiceAccount', names: ['serviceaccounts', 'serviceaccount', 'sa'], namespaced: true, group: '' },
  { kind: 'CustomResourceDefinition', names: ['customresourcedefinitions', 'customresourcedefinition', 'crd', 'crds', 'customresourcedefinitions.apiextensions.k8s.io'], namespaced: false, group: 'apiextensions.k8s.io' },
  { kind: 'ConstraintTemplate', names: ['constrainttemplates', 'constrainttemplate', 'constrainttemplates.templates.gatekeeper.sh'], namespaced: false, group: 'templates.gatekeeper.sh', crd: 'constrainttemplates.templates.gatekeeper.sh' },
  { kind: 'RatifyVerification', names: ['ratifyverification', 'ratifyverifications', 'ratifyverification.constraints.gatekeeper.sh', 'constraints'], namespaced: false, group: 'constraints.gatekeeper.sh', crd: 'ratifyverification.constraints.gatekeeper.sh' },
  { kind: 'KeyManagementProvider', names: ['keymanagementproviders', 'keymanagementprovider', 'keymanagementproviders.config.ratify.deislabs.io'], namespaced: false, group: 'config.ratify.deislabs.io', crd: 'keymanagementproviders.config.ratify.deislabs.io' },
  { kind: 'Verifier', names: ['verifiers', 'verifier', 'verifiers.config.ratify.deislabs.io'], namespaced: false, group: 'config.ratify.deislabs.io', crd: 'verifiers.config.ratify.deislabs.io' },
  { kind: 'Store', names: ['stores', 'store', 'stores.config.ratify.deislabs.io'], namespaced: false, group: 'config.ratify.deislabs.io', crd: 'stores.config.ratify.deislabs.io' },
  { kind: 'Policy', names: ['policies.config.ratify.deislabs.io', 'policies', 'policy'], namespaced: false, group: 'config.ratify.deislabs.io', crd: 'policies.config.ratify.deislabs.io' },
  { kind: 'Provider', names: ['providers', 'provider', 'providers.externaldata.gatekeeper.sh'], namespaced: false, group: 'externaldata.gatekeeper.sh', crd: 'providers.externaldata.gatekeeper.sh' },
];

const VALUE_FLAGS = new Set(['-n', '--namespace', '--kubeconfig', '--context', '-o', '--output', '-l', '--selector', '--image', '--restart', '--dry-run', '--timeout', '--tail', '-c', '--container', '--for', '--grace-period', '--labels', '--request-timeout', '-f', '--filename', '--field-selector', '--sort-by', '--since', '--overrides', '--env', '--port', '--cluster', '--user', '--template']);
const BOOL_FLAGS = new Set([
  '-q', '--quiet', '-A', '--all-namespaces', '--ignore-not-found', '--no-headers', '--show-labels', '--force', '--wait', '--rm', '-i',
  '--stdin', '-t', '--tty', '--all', '--client', '-w', '--watch', '-p', '--previous', '--prefix', '--all-containers', '--command', '--now',
  '--short', '--validate', '--minify', '--raw', '--show-managed-fields', '--save-config', '--overwrite',
]);
const SHORT_FLAGS: Record<string, string> = {
  '-n': '--namespace', '-o': '--output', '-l': '--selector', '-A': '--all-namespaces', '-c': '--container', '-f': '--filename',
  '-i': '--stdin', '-t': '--tty', '-w': '--watch', '-p': '--previous', '-q': '--quiet',
};

interface Parsed {
  verb: string;
  args: string[];
  flags: Map<string, string>;
}

const fail = (msg: string, code = 1): ToolError => new ToolError(msg.endsWith('\n') ? msg : msg + '\n', code);

function parse(argv: readonly string[]): Parsed {
  const flags = new Map<string, string>();
  const args: string[] = [];
  let verb = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push('--', ...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      let { name, value } = splitFlag(a);
      if (!a.startsWith('--') && a.length > 2) {
        name = a.slice(0, 2);
        value = a.slice(2).replace(/^=/, '');
      }
      const canon = SHORT_FLAGS[name] ?? name;
      if (VALUE_FLAGS.has(name)) {
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined) throw fail(`error: flag needs an argument: '${name.replace(/^-+/, '')}' in ${name}`);
        }
        flags.set(canon, value);
      } else if (BOOL_FLAGS.has(name)) {
        flags.set(canon, value ?? 'true');
      } else if (name.startsWith('--')) {
        throw fail(`error: unknown flag: ${name}\nSee 'kubectl ${verb || 'help'} --help' for usage.`);
      } else {
        throw fail(`error: unknown shorthand flag: '${name.slice(1, 2)}' in ${a}\nSee 'kubectl ${verb || 'help'} --help' for usage.`);
      }
      continue;
    }
    if (!verb) verb = a;
    else args.push(a);
  }
  return { verb, args, flags };
}

function findType(name: string): TypeDef | undefined {
  const n = name.toLowerCase();
  return TYPES.find((t) => t.names.includes(n));
}

function age(fromMs: number, now: number): string {
  const s = Math.max(0, Math.floor((now - fromMs) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const created = (o: KubeObject): number => o.sandbox?.createdAt ?? Date.parse(o.metadata.creationTimestamp);

/** The cluster's objects as the API server would return them now (statuses computed). */
function materialize(e: Env): KubeObject[] {
  const out: KubeObject[] = [];
  const release = ratifyRelease(e.kube);
  const kmp = release ? kmpState(e, releaseValues(release)) : undefined;
  for (const o0 of Object.values(e.kube.objects)) {
    const o = JSON.parse(JSON.stringify(o0)) as KubeObject;
    const ready = (o.sandbox?.readyAt ?? 0) <= e.now;
    if (o.kind === 'Pod') {
      const reason = o.sandbox?.reason;
      const image = String(((o.spec?.containers as { image: string }[] | undefined) ?? [])[0]?.image ?? '');
      const running = ready && !reason;
      o.status = {
        phase: running ? 'Running' : 'Pending',
        containerStatuses: [{ name: o.metadata.name, image, ready: running, restartCount: 0, state: running ? { running: { startedAt: o.metadata.creationTimestamp } } : { waiting: { reason: reason ?? 'ContainerCreating', ...(reason ? { message: `Back-off pulling image "${image}"` } : {}) } } }],
      };
    }
    if (o.kind === 'Deployment') {
      const replicas = Number(o.spec?.replicas ?? 1);
      o.status = { replicas, updatedReplicas: replicas, readyReplicas: ready ? replicas : 0, availableReplicas: ready ? replicas : 0 };
    }
    if (o.kind === 'KeyManagementProvider' && kmp) {
      o.status = { issuccess: kmp.ok, ...(kmp.ok ? {} : { error: kmp.error, brieferror: (kmp.error ?? '').slice(0, 100) }), lastfetchedtime: new Date(e.now).toISOString(), properties: { certificates: kmp.certs.map((c) => ({ name: c.name, version: c.version.version, lastRefreshed: new Date(e.now).toISOString() })) } };
    }
    if (['Verifier', 'Store', 'Policy'].includes(o.kind)) o.status = { issuccess: true };
    if (o.sandbox?.goneAt !== undefined) (o.metadata as Record<string, unknown>).deletionTimestamp = new Date(o.sandbox.goneAt).toISOString();
    out.push(o);
  }
  const view = policyView(e.world, e.cluster, e.now, e.latency);
  const pods = out.filter((o) => o.kind === 'Pod');
  out.push(
    ...policyObjects(view, (c) =>
      pods.flatMap((p) => {
        const images = ((p.spec?.containers as { image: string }[] | undefined) ?? []).map((x) => x.image);
        return evaluatePod(e, p.metadata.namespace ?? 'default', images, [c]).map((v) => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name, message: v.message }));
      }),
    ),
  );
  if (view.templateCreatedAt !== undefined) out.push(makeObject('CustomResourceDefinition', 'apiextensions.k8s.io/v1', 'ratifyverification.constraints.gatekeeper.sh', undefined, view.templateCreatedAt));
  return out;
}

function podStatusText(o: KubeObject): string {
  if ((o.metadata as Record<string, unknown>).deletionTimestamp) return 'Terminating';
  const cs = ((o.status?.containerStatuses as { state: { waiting?: { reason: string } } }[] | undefined) ?? [])[0];
  return cs?.state.waiting?.reason ?? String(o.status?.phase ?? 'Pending');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

function columns(t: TypeDef, o: KubeObject, now: number): [string[], string[]] {
  const name = o.metadata.name;
  const a = age(created(o), now);
  switch (t.kind) {
    case 'Pod': {
      const ready = ((o.status?.containerStatuses as { ready: boolean }[] | undefined) ?? []).filter((c) => c.ready).length;
      return [['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], [name, `${ready}/1`, podStatusText(o), '0', a]];
    }
    case 'Namespace':
      return [['NAME', 'STATUS', 'AGE'], [name, (o.metadata as Record<string, unknown>).deletionTimestamp ? 'Terminating' : 'Active', a]];
    case 'Deployment': {
      const s = o.status as { replicas: number; readyReplicas: number; availableReplicas: number };
      return [['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], [name, `${s.readyReplicas}/${s.replicas}`, String(s.replicas), String(s.availableReplicas), a]];
    }
    case 'CustomResourceDefinition':
      return [['NAME', 'CREATED AT'], [name, o.metadata.creationTimestamp]];
    case 'RatifyVerification':
      return [['NAME', 'ENFORCEMENT-ACTION', 'TOTAL-VIOLATIONS'], [name, String(o.spec?.enforcementAction ?? ''), String(o.status?.totalViolations ?? 0)]];
    case 'KeyManagementProvider':
    case 'Verifier':
    case 'Store':
      return [['NAME', 'ISSUCCESS', 'ERROR', 'LASTFETCHEDTIME'], [name, String(o.status?.issuccess ?? ''), String(o.status?.brieferror ?? ''), String(o.status?.lastfetchedtime ?? '')]];
    default:
      return [['NAME', 'AGE'], [name, a]];
  }
}

const apiName = (t: TypeDef): string => (t.group ? `${t.kind.toLowerCase()}.${t.group}` : t.kind.toLowerCase());
const plural = (t: TypeDef): string => t.names[0]!.split('.')[0]!;
const kindRef = (t: TypeDef): string => (t.group && t.group !== '' ? `${plural(t)}.${t.group}` : plural(t));

function matchesSelector(o: KubeObject, sel: string | undefined): boolean {
  if (!sel) return true;
  return sel.split(',').every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) return Object.prototype.hasOwnProperty.call(o.metadata.labels ?? {}, term.trim());
    const v = (o.metadata.labels ?? {})[m[1]!.trim()];
    return m[2] === '!=' ? v !== m[3]!.trim() : v === m[3]!.trim();
  });
}

function kubeJson(v: unknown): string {
  return JSON.stringify(v, null, 4) + '\n';
}

const clean = (o: KubeObject): Record<string, unknown> => {
  const { sandbox: _s, ...rest } = o;
  return rest as Record<string, unknown>;
};

function render(objs: KubeObject[], t: TypeDef, p: Parsed, now: number, single: boolean, allNs: boolean): string {
  const out = p.flags.get('--output');
  if (out === 'json') return kubeJson(single ? clean(objs[0]!) : { apiVersion: 'v1', items: objs.map(clean), kind: 'List', metadata: { resourceVersion: '' } });
  if (out === 'yaml') return toYaml(single ? clean(objs[0]!) : { apiVersion: 'v1', items: objs.map(clean), kind: 'List', metadata: { resourceVersion: '' } });
  if (out === 'name') return objs.map((o) => `${apiName(t)}/${o.metadata.name}\n`).join('');
  if (out?.startsWith('jsonpath=') || out?.startsWith('jsonpath-as-json=')) {
    const tpl = out.slice(out.indexOf('=') + 1);
    return jsonpath(tpl, single ? clean(objs[0]!) : { apiVersion: 'v1', items: objs.map(clean), kind: 'List' });
  }
  if (out !== undefined && out !== 'wide') throw fail(`error: unable to match a printer suitable for the output format "${out}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml`);
  const rows = objs.map((o) => {
    const [h, r] = columns(t, o, now);
    return allNs && t.namespaced ? [['NAMESPACE', ...h], [o.metadata.namespace ?? '', ...r]] : [h, r];
  });
  if (rows.length === 0) return '';
  const all = [rows[0]![0]!, ...rows.map((r) => r[1]!)];
  return table(p.flags.get('--no-headers') === 'true' ? all.slice(1) : all);
}

function targets(p: Parsed, start = 0): { type: TypeDef; names: string[]; typeName: string }[] {
  const a = p.args.slice(start).filter((x) => x !== '--');
  if (a.length === 0) throw fail(`You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl ${p.verb} -h' for help and examples`);
  if (a[0]!.includes('/')) {
    return a.map((x) => {
      const [tn, n] = x.split('/') as [string, string];
      const type = findType(tn);
      if (!type) throw fail(`error: the server doesn't have a resource type "${tn}"`);
      return { type, names: [n], typeName: tn };
    });
  }
  const out: { type: TypeDef; names: string[]; typeName: string }[] = [];
  for (const tn of a[0]!.split(',')) {
    const type = findType(tn);
    if (!type) throw fail(`error: the server doesn't have a resource type "${tn}"`);
    out.push({ type, names: a.slice(1), typeName: tn });
  }
  return out;
}

function requireKnown(objs: KubeObject[], t: TypeDef, typeName: string): void {
  if (t.crd && !objs.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === t.crd)) throw fail(`error: the server doesn't have a resource type "${typeName}"`);
}

function durationMs(s: string | undefined, dflt: number): number {
  if (!s) return dflt;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) return dflt;
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 's']!;
}

/** Can the kubelet pull the image? AKS nodes pull from ACR with the kubelet identity (--attach-acr). */
function pullProblem(e: Env, image: string): string | undefined {
  const ref = parseRef(image);
  const reg = listByType(e.world, 'Microsoft.ContainerRegistry/registries').find((r) => String(r.properties.loginServer).toLowerCase() === ref.registry.toLowerCase());
  if (!reg) return ref.registry.endsWith('.azurecr.io') ? 'ErrImagePull' : undefined;
  const kubelet = String((e.cluster.properties.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId);
  if (!rbacAllows(e.world, kubelet, 'acr/pull', reg.id, e.now, 0)) return 'ImagePullBackOff';
  const repo = e.world.registries[reg.name.toLowerCase()]?.repositories[ref.repo];
  const digest = ref.digest ?? repo?.tags[ref.tag ?? 'latest'];
  return repo && digest && repo.manifests[digest] ? undefined : 'ErrImagePull';
}

const AZURE_POLICY_DENIAL = 'admission webhook "byovalidation.policy.azure.com" denied the request: This cluster is governed by Azure Policy. Policies must be created through Azure.';

function createPod(e: Env, ns: string, name: string, image: string, labels: Record<string, string>, dryRun: string | undefined): string {
  if (!getObject(e.kube, 'Namespace', undefined, ns)) throw fail(`Error from server (NotFound): namespaces "${ns}" not found`);
  if (getObject(e.kube, 'Pod', ns, name)) throw fail(`Error from server (AlreadyExists): pods "${name}" already exists`);
  if (dryRun === 'client') return `pod/${name} created (dry run)\n`;
  const adm = admitPod(e, ns, [image]);
  if (!adm.allowed) throw fail(`Error from server (Forbidden): ${adm.message}`);
  if (dryRun === 'server') return `pod/${name} created (server dry run)\n`;
  const reason = pullProblem(e, image);
  putObject(e.kube, makeObject('Pod', 'v1', name, ns, e.now, { labels, spec: { containers: [{ name, image }], restartPolicy: 'Never' }, readyAt: e.now + e.latency.ms('podStart') }));
  if (reason) e.kube.objects[`Pod/${ns}/${name}`]!.sandbox!.reason = reason;
  return `pod/${name} created\n`;
}

export async function runKubectl(t: ToolContext, argv: readonly string[]): Promise<ToolResult> {
  try {
    const p = parse(argv);
    if (!p.verb || p.verb === 'help' || p.flags.has('--help')) return { stdout: 'kubectl controls the Kubernetes cluster manager (ratify-runbook sandbox).\n', stderr: '', exitCode: 0 };
    if (p.verb === 'version' && p.flags.get('--client') === 'true') {
      if (p.flags.get('--output') === 'json') return { stdout: kubeJson({ clientVersion: { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' }, kustomizeVersion: 'v5.5.0' }), stderr: '', exitCode: 0 };
      return { stdout: 'Client Version: v1.32.4\nKustomize Version: v5.5.0\n', stderr: '', exitCode: 0 };
    }
    if (p.verb === 'create' && ['namespace', 'ns'].includes(p.args[0] ?? '') && p.flags.get('--dry-run') === 'client') {
      const name = p.args[1];
      if (!name) throw fail('error: exactly one NAME is required, got 0');
      const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { creationTimestamp: null, name }, spec: {}, status: {} };
      const o = p.flags.get('--output');
      return { stdout: o === 'yaml' ? toYaml(obj) : o === 'json' ? kubeJson(obj) : `namespace/${name} created (dry run)\n`, stderr: '', exitCode: 0 };
    }
    const access = resolveCluster(t.world, t.env, t.cwd, { ...(p.flags.get('--kubeconfig') ? { kubeconfig: p.flags.get('--kubeconfig')! } : {}), ...(p.flags.get('--context') ? { context: p.flags.get('--context')! } : {}) });
    if (p.verb === 'config') {
      if (p.args[0] === 'current-context') {
        if (!access.ok && access.reason === 'no-config') throw fail('error: current-context is not set');
        return { stdout: `${access.ok ? access.contextName : ''}\n`, stderr: '', exitCode: 0 };
      }
      throw fail(`error: unknown command "${p.args[0] ?? ''}" for "kubectl config"`);
    }
    if (!access.ok) throw fail(kubectlUnreachable(access));
    const auth = await authenticate(t, access);
    if (!auth.ok) return authFailure(auth);
    if (p.verb === 'auth') return canI(p, auth.clusterAdmin);
    const e: Env = { world: t.world, cluster: access.cluster, kube: access.kube, now: t.clock.now(), latency: t.latency };
    const ns = p.flags.get('--namespace') ?? access.namespace ?? 'default';
    const allNs = p.flags.get('--all-namespaces') === 'true';
    switch (p.verb) {
      case 'version':
        return { stdout: `Client Version: v1.32.4\nKustomize Version: v5.5.0\nServer Version: v${String(access.cluster.properties.kubernetesVersion)}\n`, stderr: '', exitCode: 0 };
      case 'cluster-info':
        return { stdout: `Kubernetes control plane is running at https://${String(access.cluster.properties.fqdn)}:443\n`, stderr: '', exitCode: 0 };
      case 'get':
      case 'describe':
        return get(e, p, ns, allNs);
      case 'run': {
        const name = p.args[0];
        if (!name) throw fail('error: NAME is required for run');
        const image = p.flags.get('--image');
        if (!image) throw fail('error: required flag(s) "image" not set');
        const labels: Record<string, string> = { run: name };
        for (const l of (p.flags.get('--labels') ?? '').split(',').filter(Boolean)) {
          const [k, v] = l.split('=') as [string, string];
          labels[k] = v ?? '';
        }
        const out = createPod(e, ns, name, image, labels, p.flags.get('--dry-run'));
        if (!p.flags.get('--dry-run')) t.markDirty();
        return { stdout: out, stderr: '', exitCode: 0 };
      }
      case 'create': {
        if (!['namespace', 'ns'].includes(p.args[0] ?? '')) throw fail(`error: unknown command "${p.args[0] ?? ''}" for "kubectl create"`);
        const name = p.args[1];
        if (!name) throw fail('error: exactly one NAME is required, got 0');
        if (getObject(e.kube, 'Namespace', undefined, name)) throw fail(`Error from server (AlreadyExists): namespaces "${name}" already exists`);
        putObject(e.kube, makeObject('Namespace', 'v1', name, undefined, e.now, { status: { phase: 'Active' } }));
        t.markDirty();
        return { stdout: `namespace/${name} created\n`, stderr: '', exitCode: 0 };
      }
      case 'apply':
        return apply(t, e, p, ns);
      case 'delete':
        return del(t, e, p, ns);
      case 'rollout':
        return rollout(t, e, p, ns);
      case 'logs':
        return logs(e, p, ns);
      case 'wait':
        return wait(t, e, p, ns);
      default:
        throw fail(`error: unknown command "${p.verb}" for "kubectl"\nRun 'kubectl --help' for usage.`);
    }
  } catch (err) {
    if (err instanceof ToolError) return { stdout: err.stdout, stderr: err.message, exitCode: err.exitCode };
    throw err;
  }
}

/** What kubectl prints when the API server will not take the kubeconfig's user. */
function authFailure(auth: Exclude<Authentication, { ok: true }>): ToolResult {
  if (auth.kind === 'waits') return { stdout: '', stderr: auth.stderr, exitCode: 0, waitsForever: true };
  if (auth.kind === 'unauthorized') throw fail('error: You must be logged in to the server (Unauthorized)');
  return { stdout: '', stderr: `${auth.stderr}Unable to connect to the server: ${auth.message}\n`, exitCode: 1 };
}

/**
 * `kubectl auth can-i VERB RESOURCE`: "yes" (exit 0) or "no" (exit 1). Cluster admins may do
 * anything; other signed-in users only read (the sandbox models no finer Kubernetes RBAC).
 */
function canI(p: Parsed, clusterAdmin: boolean): ToolResult {
  if (p.args[0] !== 'can-i') throw fail(`error: unknown command "${p.args[0] ?? ''}" for "kubectl auth"`);
  const [, verb, resource] = p.args;
  if (!verb || !resource) {
    throw fail(
      'error: you must specify two arguments: verb resource or verb resource/resourceName.\n' +
        "See 'kubectl auth can-i -h' for help and examples",
    );
  }
  const allowed = clusterAdmin || ['get', 'list', 'watch'].includes(verb);
  const quiet = p.flags.get('--quiet') === 'true';
  return { stdout: quiet ? '' : allowed ? 'yes\n' : 'no\n', stderr: '', exitCode: allowed ? 0 : 1 };
}

function get(e: Env, p: Parsed, ns: string, allNs: boolean): ToolResult {
  const objs = materialize(e);
  let stdout = '';
  let stderr = '';
  let code = 0;
  const ts = targets(p);
  for (const { type, names, typeName } of ts) {
    requireKnown(objs, type, typeName);
    let list = objs.filter((o) => o.kind === type.kind && (!type.namespaced || allNs || o.metadata.namespace === ns) && matchesSelector(o, p.flags.get('--selector')));
    list.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    if (names.length > 0) {
      const found: KubeObject[] = [];
      for (const n of names) {
        const o = list.find((x) => x.metadata.name === n);
        if (o) found.push(o);
        else if (p.flags.get('--ignore-not-found') !== 'true') {
          stderr += `Error from server (NotFound): ${kindRef(type)} "${n}" not found\n`;
          code = 1;
        }
      }
      list = found;
      if (list.length) stdout += p.verb === 'describe' ? list.map((o) => describe(o)).join('\n') : render(list, type, p, e.now, names.length === 1 && ts.length === 1, allNs);
    } else if (list.length === 0) {
      if (p.flags.get('--output') === 'json' || p.flags.get('--output') === 'yaml') stdout += render([], type, p, e.now, false, allNs);
      else if (p.flags.get('--ignore-not-found') !== 'true') stderr += type.namespaced && !allNs ? `No resources found in ${ns} namespace.\n` : 'No resources found\n';
    } else {
      stdout += p.verb === 'describe' ? list.map((o) => describe(o)).join('\n') : render(list, type, p, e.now, false, allNs);
    }
  }
  return { stdout, stderr, exitCode: code };
}

function describe(o: KubeObject): string {
  let s = `Name:         ${o.metadata.name}\n`;
  if (o.metadata.namespace) s += `Namespace:    ${o.metadata.namespace}\n`;
  s += `Labels:       ${Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join('\n              ') || '<none>'}\n`;
  s += `Annotations:  ${Object.entries(o.metadata.annotations ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n              ') || '<none>'}\n`;
  if (o.kind === 'Pod') {
    const cs = ((o.status?.containerStatuses as { image: string; state: Record<string, { reason?: string; message?: string }> }[] | undefined) ?? [])[0];
    s += `Status:       ${String(o.status?.phase)}\nContainers:\n  ${o.metadata.name}:\n    Image:          ${cs?.image ?? ''}\n    State:          ${Object.keys(cs?.state ?? {})[0] ?? ''}\n`;
    const w = cs?.state.waiting;
    if (w) s += `      Reason:       ${w.reason ?? ''}\nEvents:\n  Type     Reason     Age   From     Message\n  ----     ------     ----  ----     -------\n  Warning  Failed     10s   kubelet  Failed to pull image "${cs.image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized\n`;
  } else if (o.spec) {
    s += `Spec:\n${toYaml(o.spec).replace(/^/gm, '  ')}`;
    if (o.status) s += `Status:\n${toYaml(o.status).replace(/^/gm, '  ')}`;
  }
  return s;
}

function apply(t: ToolContext, e: Env, p: Parsed, ns: string): ToolResult {
  const file = p.flags.get('--filename');
  if (!file) throw fail('error: must specify one of -f and -k');
  const text = file === '-' ? t.stdin : readFileSync(resolve(t.cwd, file), 'utf8');
  const source = file === '-' ? 'STDIN' : file;
  let stdout = '';
  const addon = (e.cluster.properties.addonProfiles as Record<string, { enabled?: boolean }> | undefined)?.azurepolicy?.enabled;
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJSON() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } | null;
    if (!o || !o.kind) continue;
    const name = o.metadata?.name ?? '';
    const group = (o.apiVersion ?? '').split('/')[0] ?? '';
    if (addon && (o.kind === 'ConstraintTemplate' || group.endsWith('gatekeeper.sh')) && !group.startsWith('externaldata')) {
      throw fail(`Error from server (Forbidden): error when creating "${source}": ${AZURE_POLICY_DENIAL}`);
    }
    if (o.kind === 'Namespace') {
      if (getObject(e.kube, 'Namespace', undefined, name)) stdout += `namespace/${name} unchanged\n`;
      else {
        putObject(e.kube, makeObject('Namespace', 'v1', name, undefined, e.now, { ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}), status: { phase: 'Active' } }));
        stdout += `namespace/${name} created\n`;
      }
    } else if (o.kind === 'Pod') {
      const image = String(((o.spec?.containers as { image?: string }[] | undefined) ?? [])[0]?.image ?? '');
      stdout += createPod(e, o.metadata?.namespace ?? ns, name, image, o.metadata?.labels ?? {}, p.flags.get('--dry-run'));
    } else {
      const type = TYPES.find((x) => x.kind === o.kind);
      const objNs = type?.namespaced ? (o.metadata?.namespace ?? ns) : undefined;
      const existed = getObject(e.kube, o.kind, objNs, name);
      putObject(e.kube, makeObject(o.kind, o.apiVersion ?? 'v1', name, objNs, e.now, { ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}), ...(o.spec ? { spec: o.spec } : {}) }));
      stdout += `${o.kind.toLowerCase()}${group && group !== o.apiVersion ? '.' + group : ''}/${name} ${existed ? 'configured' : 'created'}\n`;
    }
  }
  t.markDirty();
  return { stdout, stderr: '', exitCode: 0 };
}

function del(t: ToolContext, e: Env, p: Parsed, ns: string): ToolResult {
  const objs = materialize(e);
  let stdout = '';
  let stderr = '';
  let code = 0;
  const ignore = p.flags.get('--ignore-not-found') === 'true';
  const addon = (e.cluster.properties.addonProfiles as Record<string, { enabled?: boolean }> | undefined)?.azurepolicy?.enabled;
  for (const { type, names, typeName } of targets(p)) {
    if (type.crd && !objs.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === type.crd)) {
      if (ignore) continue;
      throw fail(`error: the server doesn't have a resource type "${typeName}"`);
    }
    let victims = objs.filter((o) => o.kind === type.kind && (!type.namespaced || o.metadata.namespace === ns));
    if (names.length > 0) {
      for (const n of names) if (!victims.some((v) => v.metadata.name === n) && !ignore) {
        stderr += `Error from server (NotFound): ${kindRef(type)} "${n}" not found\n`;
        code = 1;
      }
      victims = victims.filter((v) => names.includes(v.metadata.name));
    } else if (p.flags.get('--selector')) victims = victims.filter((v) => matchesSelector(v, p.flags.get('--selector')));
    else if (p.flags.get('--all') !== 'true') throw fail('error: resource(s) were provided, but no name was specified');
    for (const v of victims) {
      if (addon && (type.kind === 'ConstraintTemplate' || type.kind === 'RatifyVerification')) throw fail(`Error from server (Forbidden): ${AZURE_POLICY_DENIAL}`);
      deleteObject(e.kube, type.kind, v.metadata.namespace, v.metadata.name);
      if (type.kind === 'Namespace') for (const [k, o] of Object.entries(e.kube.objects)) if (o.metadata.namespace === v.metadata.name) delete e.kube.objects[k];
      // Deleting a CRD deletes every custom resource of it (the chart's hook CRs go with the CRDs).
      if (type.kind === 'CustomResourceDefinition') {
        const kinds = new Set(TYPES.filter((td) => td.crd === v.metadata.name).map((td) => td.kind));
        for (const [k, o] of Object.entries(e.kube.objects)) if (kinds.has(o.kind)) delete e.kube.objects[k];
      }
      // A pod owned by a live Deployment comes back under a new name.
      const ownerRef = (v.sandbox?.owner ?? '').startsWith('deployment/') ? v.sandbox!.owner!.slice('deployment/'.length) : v.sandbox?.owner === 'aks/image-integrity' ? 'ratify' : undefined;
      if (type.kind === 'Pod' && ownerRef && e.kube.objects[`Deployment/${v.metadata.namespace}/${ownerRef}`] && e.kube.objects[`Deployment/${v.metadata.namespace}/${ownerRef}`]!.sandbox?.goneAt === undefined) {
        const dep = e.kube.objects[`Deployment/${v.metadata.namespace}/${ownerRef}`]!;
        const image = String((((dep.spec?.template as { spec: { containers: { image: string }[] } }).spec.containers)[0])?.image ?? '');
        putObject(e.kube, makeObject('Pod', 'v1', replicaPodName(ownerRef), v.metadata.namespace, e.now, { ...(dep.metadata.labels ? { labels: dep.metadata.labels } : {}), spec: { containers: [{ name: ownerRef, image }] }, readyAt: e.now + e.latency.ms('podStart'), owner: v.sandbox!.owner! }));
      }
      stdout += `${type.kind === 'Deployment' ? 'deployment.apps' : type.group && type.group !== 'apps' ? `${type.kind.toLowerCase()}.${type.group}` : type.kind.toLowerCase()} "${v.metadata.name}" ${p.flags.get('--force') === 'true' ? 'force deleted' : 'deleted'}\n`;
    }
    if (victims.length === 0 && names.length === 0 && !ignore) stderr += 'No resources found\n';
  }
  t.markDirty();
  return { stdout, stderr, exitCode: code };
}

async function rollout(t: ToolContext, e: Env, p: Parsed, ns: string): Promise<ToolResult> {
  if (p.args[0] !== 'status') throw fail(`error: unknown command "${p.args[0] ?? ''}" for "kubectl rollout"`);
  const ref = p.args[1]?.includes('/') ? p.args[1] : `${p.args[1] ?? ''}/${p.args[2] ?? ''}`;
  const [tn, name] = ref!.split('/') as [string, string];
  if (findType(tn)?.kind !== 'Deployment') throw fail(`error: no status viewer has been implemented for ${tn}`);
  const dep = getObject(e.kube, 'Deployment', ns, name);
  if (!dep) throw fail(`Error from server (NotFound): deployments.apps "${name}" not found`);
  const readyAt = dep.sandbox?.readyAt ?? 0;
  let stdout = '';
  if (readyAt > e.now) {
    stdout += `Waiting for deployment "${name}" rollout to finish: 0 of ${String(dep.spec?.replicas ?? 1)} updated replicas are available...\n`;
    const timeout = durationMs(p.flags.get('--timeout'), 0);
    const waitMs = readyAt - e.now;
    if (timeout > 0 && waitMs > timeout) {
      await t.clock.sleep(timeout);
      throw new ToolError('error: timed out waiting for the condition\n', 1, stdout);
    }
    await t.clock.sleep(waitMs);
  }
  return { stdout: stdout + `deployment "${name}" successfully rolled out\n`, stderr: '', exitCode: 0 };
}

function logs(e: Env, p: Parsed, ns: string): ToolResult {
  const sources = new Set<string>();
  const target = p.args[0];
  if (target?.includes('/')) {
    const [tn, name] = target.split('/') as [string, string];
    if (findType(tn)?.kind === 'Deployment') {
      if (!getObject(e.kube, 'Deployment', ns, name)) throw fail(`error: error from server (NotFound): deployments.apps "${name}" not found in namespace "${ns}"`);
      sources.add(`${ns}/${name}`);
    } else if (findType(tn)?.kind === 'Pod') sources.add(podSource(e, ns, name));
    else throw fail(`error: cannot get the logs from ${tn}`);
  } else if (target) sources.add(podSource(e, ns, target));
  else if (p.flags.get('--selector')) {
    const pods = Object.values(e.kube.objects).filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns && matchesSelector(o, p.flags.get('--selector')));
    if (pods.length === 0) return { stdout: '', stderr: `No resources found in ${ns} namespace.\n`, exitCode: 0 };
    for (const pod of pods) sources.add(podSource(e, ns, pod.metadata.name));
  } else throw fail('error: expected \'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]\'.\nPOD or TYPE/NAME is a required argument for the logs command');
  const lines: string[] = [];
  for (const s of sources) {
    if (s === 'kube-system/azure-policy') {
      for (const pr of policyView(e.world, e.cluster, e.now, e.latency).problems) lines.push(`{"level":"error","ts":"${new Date(e.now).toISOString()}","msg":"${pr.replace(/"/g, '\\"')}"}`);
    }
    lines.push(...e.kube.logs.filter((l) => l.source === s).map((l) => l.text));
  }
  const tail = Number(p.flags.get('--tail') ?? -1);
  const shown = tail >= 0 ? lines.slice(-tail) : lines;
  return { stdout: shown.map((l) => l + '\n').join(''), stderr: '', exitCode: 0 };
}

function podSource(e: Env, ns: string, name: string): string {
  const pod = getObject(e.kube, 'Pod', ns, name);
  if (!pod) throw fail(`Error from server (NotFound): pods "${name}" not found`);
  const owner = pod.sandbox?.owner ?? '';
  const dep = owner.startsWith('deployment/') ? owner.slice('deployment/'.length) : owner === 'aks/image-integrity' ? 'ratify' : owner.startsWith('helm/') ? 'ratify' : name;
  return `${ns}/${dep}`;
}

async function wait(t: ToolContext, e: Env, p: Parsed, ns: string): Promise<ToolResult> {
  const cond = p.flags.get('--for') ?? '';
  const timeout = durationMs(p.flags.get('--timeout'), 30_000);
  const ts = p.args.length ? targets(p) : [];
  const type = ts[0]?.type ?? findType('pods')!;
  let objs = Object.values(e.kube.objects).filter((o) => o.kind === type.kind && (!type.namespaced || o.metadata.namespace === ns));
  if (ts[0]?.names.length) objs = objs.filter((o) => ts[0]!.names.includes(o.metadata.name));
  else if (p.flags.get('--selector')) objs = objs.filter((o) => matchesSelector(o, p.flags.get('--selector')));
  if (cond === 'delete') {
    if (objs.length === 0) return { stdout: '', stderr: '', exitCode: 0 };
    const until = Math.max(...objs.map((o) => o.sandbox?.goneAt ?? Number.POSITIVE_INFINITY));
    if (until - e.now > timeout) {
      await t.clock.sleep(timeout);
      throw fail(`error: timed out waiting for the condition on ${plural(type)}/${objs[0]!.metadata.name}`);
    }
    await t.clock.sleep(until - e.now);
    return { stdout: objs.map((o) => `${apiName(type)}/${o.metadata.name} condition met\n`).join(''), stderr: '', exitCode: 0 };
  }
  if (/^condition=(Ready|Available)$/i.test(cond)) {
    if (objs.length === 0) throw fail('error: no matching resources found');
    const blocked = objs.find((o) => o.sandbox?.reason);
    const until = Math.max(...objs.map((o) => o.sandbox?.readyAt ?? 0));
    if (blocked || until - e.now > timeout) {
      await t.clock.sleep(timeout);
      throw fail(`error: timed out waiting for the condition on ${plural(type)}/${(blocked ?? objs[0]!).metadata.name}`);
    }
    await t.clock.sleep(Math.max(0, until - e.now));
    return { stdout: objs.map((o) => `${apiName(type)}/${o.metadata.name} condition met\n`).join(''), stderr: '', exitCode: 0 };
  }
  throw fail(`error: unrecognized condition: "${cond}"`);
}

