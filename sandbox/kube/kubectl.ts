import { stringify as toYaml } from 'yaml';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import { connect, CredentialWaits } from './client/connect.js';
import { ApiStatus, Unreachable } from './client/http.js';
import { isProblem, resolveTarget } from './client/kubeconfig.js';
import { bool, fail, parse, type Parsed } from './kubectl/args.js';
import { apiResources, describe, get } from './kubectl/get.js';
import { logs, rollout, wait } from './kubectl/observe.js';
import { kubeJson } from './kubectl/print.js';
import { Session } from './kubectl/session.js';
import { apply, create, del, labelOrAnnotate, patch, run, scale } from './kubectl/write.js';

/**
 * The sandbox's kubectl (v1.32 behaviour): a thin client of the cluster's
 * Kubernetes API. It reaches the server, CA and credentials its kubeconfig names and formats
 * what the API returns (the server's tables, its Status errors), so it shows the same world
 * the real kubectl does. Errors go to stderr with exit 1.
 */
const CLIENT = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:54Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const HELP = `kubectl controls the Kubernetes cluster manager (ratify-runbook sandbox: a client of the simulated cluster's API).

 Commands: get, describe, api-resources, run, create, apply, delete, patch, label, annotate, scale,
 logs, wait, rollout status, version, cluster-info, config current-context, auth can-i.
 For everything else run the real kubectl against the same API: --sandbox-tools kubectl=real.
`;

function clientOnly(t: ToolContext, p: Parsed): ToolResult | undefined {
  if (!p.verb || p.verb === 'help' || bool(p, '--help')) return { stdout: HELP, stderr: '', exitCode: 0 };
  if (p.verb === 'version' && bool(p, '--client')) {
    const o = p.flags.get('--output');
    if (o === 'json') return { stdout: kubeJson({ clientVersion: CLIENT, kustomizeVersion: 'v5.5.0' }), stderr: '', exitCode: 0 };
    if (o === 'yaml') return { stdout: toYaml({ clientVersion: CLIENT, kustomizeVersion: 'v5.5.0' }), stderr: '', exitCode: 0 };
    return { stdout: `Client Version: ${CLIENT.gitVersion}\nKustomize Version: v5.5.0\n`, stderr: '', exitCode: 0 };
  }
  if (p.verb === 'config') {
    const found = resolveTarget(t.env, t.cwd, { ...(p.flags.get('--kubeconfig') ? { kubeconfig: p.flags.get('--kubeconfig')! } : {}) });
    if (p.args[0] === 'current-context') {
      if (isProblem(found) && found.reason === 'no-config') throw fail('error: current-context is not set');
      return { stdout: `${isProblem(found) ? ('context' in found ? found.context : '') : found.contextName}\n`, stderr: '', exitCode: 0 };
    }
    throw fail(`error: the sandbox's kubectl knows "config current-context" only; read the kubeconfig file itself for the rest`);
  }
  return undefined;
}

async function dispatch(s: Session): Promise<void> {
  switch (s.p.verb) {
    case 'version': {
      const server = await s.client.json<Record<string, string>>('GET', '/version');
      const o = s.p.flags.get('--output');
      if (o === 'json') s.out(kubeJson({ clientVersion: CLIENT, kustomizeVersion: 'v5.5.0', serverVersion: server }));
      else s.out(`Client Version: ${CLIENT.gitVersion}\nKustomize Version: v5.5.0\nServer Version: ${server.gitVersion}\n`);
      return;
    }
    case 'cluster-info':
      await s.client.json('GET', '/version');
      s.out(
        `Kubernetes control plane is running at ${s.client.target.server}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`,
      );
      return;
    case 'get':
      return get(s);
    case 'describe':
      return describe(s);
    case 'api-resources':
      return apiResources(s);
    case 'run':
      return run(s);
    case 'create':
      return create(s);
    case 'apply':
      return apply(s);
    case 'delete':
      return del(s);
    case 'patch':
      return patch(s);
    case 'label':
      return labelOrAnnotate(s, 'labels');
    case 'annotate':
      return labelOrAnnotate(s, 'annotations');
    case 'scale':
      return scale(s);
    case 'logs':
      return logs(s);
    case 'wait':
      return wait(s);
    case 'rollout':
      return rollout(s);
    case 'auth':
      return canI(s);
    case 'exec':
    case 'port-forward':
    case 'attach':
    case 'cp':
    case 'edit':
    case 'top':
    case 'explain':
    case 'debug':
      throw fail(
        `error: the sandbox's kubectl does not implement "${s.p.verb}"; run the real kubectl against the same API with --sandbox-tools kubectl=real`,
      );
    default:
      throw fail(`error: unknown command "${s.p.verb}" for "kubectl"\nRun 'kubectl --help' for usage.`);
  }
}

/** `kubectl auth can-i VERB RESOURCE [-q]`: the API's SelfSubjectAccessReview; "yes" exits 0, "no" 1. */
async function canI(s: Session): Promise<void> {
  if (s.p.args[0] !== 'can-i') throw fail(`error: unknown command "${s.p.args[0] ?? ''}" for "kubectl auth"`);
  const [, verb, resource] = s.p.args;
  if (!verb || !resource) {
    throw fail(
      'error: you must specify two arguments: verb resource or verb resource/resourceName.\n' +
        "See 'kubectl auth can-i -h' for help and examples",
    );
  }
  const [plural = '', name] = resource.split('/');
  const [res = '', ...groupParts] = plural.split('.');
  const attributes = {
    verb,
    resource: res,
    ...(groupParts.length ? { group: groupParts.join('.') } : {}),
    ...(name ? { name } : {}),
    ...(s.allNs ? {} : { namespace: s.ns }),
  };
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } };
  const body = JSON.stringify(review);
  const answer = await s.client.json<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body,
  });
  const allowed = answer.status?.allowed === true;
  if (!bool(s.p, '--quiet')) s.out(allowed ? 'yes\n' : 'no\n');
  s.exitCode = allowed ? 0 : 1;
}

export async function runKubectl(t: ToolContext, argv: readonly string[]): Promise<ToolResult> {
  try {
    const p = parse(argv);
    const local = clientOnly(t, p);
    if (local) return local;
    const flag = (k: string): Record<string, string> => (p.flags.get(`--${k}`) ? { [k]: p.flags.get(`--${k}`)! } : {});
    const { client, target } = await connect(t, { ...flag('kubeconfig'), ...flag('context'), ...flag('token'), ...flag('server') });
    const s = new Session(t, p, client, target.namespace);
    try {
      await dispatch(s);
    } catch (e) {
      if (e instanceof ApiStatus) s.err(e.kubectlMessage);
      else if (e instanceof ToolError) {
        s.out(e.stdout);
        s.stderr += e.message;
        s.exitCode = e.exitCode;
      } else throw e;
    }
    return { stdout: s.stdout, stderr: s.stderr, exitCode: s.exitCode };
  } catch (err) {
    if (err instanceof ToolError) return { stdout: err.stdout, stderr: err.message, exitCode: err.exitCode };
    if (err instanceof Unreachable) return { stdout: '', stderr: `${err.before}${err.kubectl}\n`, exitCode: 1 };
    if (err instanceof CredentialWaits) return { stdout: '', stderr: err.stderr, exitCode: 0, waitsForever: true };
    throw err;
  }
}
