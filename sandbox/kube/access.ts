import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { clusterFqdn } from '../world/cluster.js';
import type { ArmResource, KubeData, World } from '../world/model.js';
import { listByType } from '../world/resources.js';
import { kubeOf } from './objects.js';
import type { KubeUser } from './credentials.js';

/**
 * kubectl and helm act on the cluster their kubeconfig names, as the real ones do: KUBECONFIG (or
 * --kubeconfig), else ~/.kube/config; the current context's server URL is the cluster's FQDN.
 */
export type Access =
  | { ok: true; cluster: ArmResource; kube: KubeData; contextName: string; server: string; user?: KubeUser }
  | { ok: false; reason: 'no-config'; server: string }
  | { ok: false; reason: 'no-context'; context: string }
  | { ok: false; reason: 'unknown-host'; server: string; host: string };

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; namespace?: string; user?: string } }[];
  clusters?: { name: string; cluster: { server: string } }[];
  users?: { name: string; user: KubeUser }[];
}

export function resolveCluster(
  world: World,
  env: Readonly<Record<string, string>>,
  cwd: string,
  flags: { kubeconfig?: string; context?: string; user?: string },
): Access & { namespace?: string } {
  const files = flags.kubeconfig
    ? [resolve(cwd, flags.kubeconfig)]
    : env.KUBECONFIG
      ? env.KUBECONFIG.split(delimiter).filter(Boolean).map((f) => resolve(cwd, f))
      : [join(env.HOME ?? '/nonexistent', '.kube', 'config')];
  const merged: Required<Kubeconfig> = { 'current-context': '', contexts: [], clusters: [], users: [] };
  for (const f of files) {
    if (!existsSync(f)) continue;
    let doc: Kubeconfig;
    try {
      doc = (parseYaml(readFileSync(f, 'utf8')) ?? {}) as Kubeconfig;
    } catch {
      continue;
    }
    if (!merged['current-context'] && doc['current-context']) merged['current-context'] = doc['current-context'];
    for (const c of doc.contexts ?? []) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    for (const c of doc.clusters ?? []) if (!merged.clusters.some((x) => x.name === c.name)) merged.clusters.push(c);
    for (const u of doc.users ?? []) if (!merged.users.some((x) => x.name === u.name)) merged.users.push(u);
  }
  const ctxName = flags.context ?? merged['current-context'];
  if (!ctxName) return { ok: false, reason: 'no-config', server: 'localhost:8080' };
  const context = merged.contexts.find((c) => c.name === ctxName);
  if (!context) return { ok: false, reason: 'no-context', context: ctxName };
  const server = merged.clusters.find((c) => c.name === context.context.cluster)?.cluster.server ?? 'http://localhost:8080';
  let host = server;
  try {
    host = new URL(server).hostname;
  } catch {
    /* keep as is */
  }
  const cluster = listByType(world, 'Microsoft.ContainerService/ManagedClusters').find((c) => clusterFqdn(c).toLowerCase() === host.toLowerCase());
  if (!cluster) return { ok: false, reason: 'unknown-host', server, host };
  const user = merged.users.find((u) => u.name === (flags.user ?? context.context.user))?.user;
  return {
    ok: true,
    cluster,
    kube: kubeOf(world, cluster.id),
    contextName: ctxName,
    server,
    ...(user ? { user } : {}),
    ...(context.context.namespace ? { namespace: context.context.namespace } : {}),
  };
}

/** What kubectl v1.32 prints when it cannot reach a cluster. */
export function kubectlUnreachable(a: Exclude<Access, { ok: true }>): string {
  if (a.reason === 'no-config') return 'The connection to the server localhost:8080 was refused - did you specify the right host or port?\n';
  if (a.reason === 'no-context') return `error: context "${a.context}" does not exist\n`;
  return `Unable to connect to the server: dial tcp: lookup ${a.host} on 127.0.0.53:53: no such host\n`;
}

export function helmUnreachable(a: Exclude<Access, { ok: true }>): string {
  if (a.reason === 'no-config') return 'Kubernetes cluster unreachable: Get "http://localhost:8080/version": dial tcp 127.0.0.1:8080: connect: connection refused';
  if (a.reason === 'no-context') return `Kubernetes cluster unreachable: context "${a.context}" does not exist`;
  return `Kubernetes cluster unreachable: Get "${a.server}/version": dial tcp: lookup ${a.host} on 127.0.0.53:53: no such host`;
}
