import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Which cluster, credentials and namespace a kubectl or helm call uses, read the way client-go
 * reads them: `--kubeconfig`, else every file in KUBECONFIG merged (first one wins per name),
 * else ~/.kube/config; then the current (or `--context`) context.
 */
export interface KubeUser {
  token?: string;
  tokenFile?: string;
  exec?: {
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    apiVersion?: string;
    interactiveMode?: string;
  };
  [k: string]: unknown;
}

export interface KubeTarget {
  contextName: string;
  server: string;
  /** PEM the server's certificate must chain to (undefined: system trust). */
  caPem?: string;
  insecure: boolean;
  userName: string;
  user: KubeUser;
  namespace?: string;
  /** The directory of the file that named the user (relative tokenFile and exec paths resolve there). */
  userDir: string;
}

export type TargetProblem =
  { reason: 'no-config' } | { reason: 'no-context'; context: string } | { reason: 'no-cluster'; context: string; cluster: string };

interface Named<T> {
  name: string;
  value: T;
  dir: string;
}

interface RawConfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user?: string; namespace?: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server?: string;
      'certificate-authority-data'?: string;
      'certificate-authority'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users?: { name: string; user: KubeUser }[];
}

/**
 * Parsed kubeconfig files by their text. The owner answers every kubectl and helm call of every
 * attendee, and each names the same few files: parsing YAML again for each call cost about 2 ms.
 * The documents are frozen, since every caller shares them.
 */
const parsed = new Map<string, RawConfig>();
const PARSED_KEPT = 64;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseKubeconfig(text: string): RawConfig {
  let doc = parsed.get(text);
  if (!doc) {
    doc = deepFreeze((parseYaml(text) ?? {}) as RawConfig);
    if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, doc);
  }
  return doc;
}

export function kubeconfigFiles(env: Readonly<Record<string, string>>, cwd: string, flag?: string): string[] {
  if (flag) return [resolve(cwd, flag)];
  if (env.KUBECONFIG)
    return env.KUBECONFIG.split(delimiter)
      .filter(Boolean)
      .map((f) => resolve(cwd, f));
  return [join(env.HOME ?? '/nonexistent', '.kube', 'config')];
}

export function resolveTarget(
  env: Readonly<Record<string, string>>,
  cwd: string,
  flags: { kubeconfig?: string; context?: string },
): KubeTarget | TargetProblem {
  let current = '';
  const contexts: Named<NonNullable<RawConfig['contexts']>[number]['context']>[] = [];
  const clusters: Named<NonNullable<RawConfig['clusters']>[number]['cluster']>[] = [];
  const users: Named<KubeUser>[] = [];
  for (const file of kubeconfigFiles(env, cwd, flags.kubeconfig)) {
    if (!existsSync(file)) continue;
    let doc: RawConfig;
    try {
      doc = parseKubeconfig(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const dir = resolve(file, '..');
    current ||= doc['current-context'] ?? '';
    for (const c of doc.contexts ?? [])
      if (!contexts.some((x) => x.name === c.name)) contexts.push({ name: c.name, value: c.context ?? {}, dir });
    for (const c of doc.clusters ?? [])
      if (!clusters.some((x) => x.name === c.name)) clusters.push({ name: c.name, value: c.cluster ?? {}, dir });
    for (const u of doc.users ?? []) if (!users.some((x) => x.name === u.name)) users.push({ name: u.name, value: u.user ?? {}, dir });
  }
  const contextName = flags.context ?? current;
  if (!contextName) return { reason: 'no-config' };
  const context = contexts.find((c) => c.name === contextName);
  if (!context) return { reason: 'no-context', context: contextName };
  const cluster = clusters.find((c) => c.name === context.value.cluster);
  if (!cluster) return { reason: 'no-cluster', context: contextName, cluster: context.value.cluster };
  const user = users.find((u) => u.name === context.value.user);
  const caData = cluster.value['certificate-authority-data'];
  const caFile = cluster.value['certificate-authority'];
  let caPem: string | undefined;
  if (caData) caPem = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile) {
    try {
      caPem = readFileSync(resolve(cluster.dir, caFile), 'utf8');
    } catch {
      caPem = undefined;
    }
  }
  return {
    contextName,
    server: cluster.value.server ?? 'http://localhost:8080',
    ...(caPem ? { caPem } : {}),
    insecure: cluster.value['insecure-skip-tls-verify'] === true,
    userName: user?.name ?? '',
    user: user?.value ?? {},
    ...(context.value.namespace ? { namespace: context.value.namespace } : {}),
    userDir: user?.dir ?? cluster.dir,
  };
}

export const isProblem = (t: KubeTarget | TargetProblem): t is TargetProblem => 'reason' in t;
