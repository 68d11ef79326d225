import { connect, CredentialWaits } from '../kube/client/connect.js';
import { ApiStatus, Unreachable } from '../kube/client/http.js';
import { Mapper } from '../kube/client/mapper.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import { DEFAULT_HELM, helmMajorOf } from '../config.js';
import type { ClusterOps } from './cluster-ops.js';
import { fail, ok } from './common.js';
import { parse, type Parsed } from './flags.js';
import { installOrUpgrade } from './install.js';
import { getValues, list, status } from './release-reads.js';
import { repo } from './repo.js';
import { search } from './search.js';
import { uninstall } from './uninstall.js';

/**
 * The fake helm's entry: parses argv for the configured major version, checks each verb's
 * arguments as helm does, connects to the cluster for the verbs that need it, then hands over
 * to the verb's module. Unreachable clusters and exec-credential waits end here.
 */

export function helmVersionOf(t: Pick<ToolContext, 'world'>): string {
  return t.world.config?.helm ?? DEFAULT_HELM;
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
    case 'status':
      return status(p, ops, ns, rest);
    case 'list':
    case 'ls':
      return list(p, ops, ns);
    case 'get':
      return getValues(p, ops, ns, rest);
    default:
      return uninstall(p, ops, ns, rest);
  }
}
