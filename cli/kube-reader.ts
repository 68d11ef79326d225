import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { KubeApi, KubeObject, KubeQuery, KubeResource, WatchHandle } from '../runner/step.js';
import { loadClientNode } from './bundled-module.js';
import { replayOnReset, shareConnections } from './kube-connections.js';
import { resolveCredential, type ExecConfig, type PluginRun, type PluginRunner } from '../sandbox/kube/credentials.js';

/**
 * The cluster's API read in-process with @kubernetes/client-node, through the state dir's
 * kubeconfig (its server, CA and credentials: a static token, or kubelogin on Entra ID
 * clusters). The kubeconfig is looked at for every call, since a step may have just rewritten
 * it with `az aks get-credentials`.
 */
type ClientNode = typeof import('./kube-client-node.js');
type KubeConfig = InstanceType<ClientNode['KubeConfig']>;
type KubernetesObjectApi = InstanceType<ClientNode['KubernetesObjectApi']>;

const apiVersionOf = (r: KubeResource): string => (r.group ? `${r.group}/${r.version}` : r.version);

function collectionPath(r: KubeResource, namespace: string | undefined): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${base}${r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.plural}`;
}

/** A NotFound, or a type the server does not serve (yet): both read as "nothing there". */
function absent(error: unknown): boolean {
  const code = (error as { code?: number; statusCode?: number }).code ?? (error as { statusCode?: number }).statusCode;
  if (code === 404) return true;
  return /Unrecognized API version and kind|the server could not find the requested resource/i.test(
    String((error as Error).message ?? error),
  );
}

/** A kubeconfig file's identity: another inode, size or mtime is another file to parse. */
function stampOf(file: string): string {
  const st = statSync(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Where credential plugins (kubelogin) are found and what they see: the run's tools first on PATH, as for its commands. */
export interface PluginEnvironment {
  readonly toolPath: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A plugin still running after this long waits for something that never comes. */
const PLUGIN_TIMEOUT_MS = 120_000;
/** kubelogin's device-code prompt: nobody will sign in during a run, so stop at once. */
const INTERACTIVE_PROMPT = /microsoft\.com\/devicelogin/i;

/**
 * Runs an exec credential plugin as client-go does (ExecCredential on stdout), with the run's
 * environment, and keeps each answer until shortly before its expirationTimestamp, so a run spawns
 * kubelogin about once an hour rather than once a read.
 */
function pluginRunner(plugins: PluginEnvironment): PluginRunner {
  const cache = new Map<string, { run: PluginRun; until: number }>();
  return async (exec: ExecConfig) => {
    const key = JSON.stringify(exec);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.run;
    const run = await spawnPlugin(exec, plugins);
    const expires = /"expirationTimestamp"\s*:\s*"([^"]+)"/.exec(run.stdout)?.[1];
    if (run.exitCode === 0 && expires) cache.set(key, { run, until: Date.parse(expires) - 60_000 });
    return run;
  };
}

function spawnPlugin(exec: ExecConfig, plugins: PluginEnvironment): Promise<PluginRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(plugins.env)) if (v !== undefined) env[k] = v;
  env.PATH = [...plugins.toolPath, plugins.env.PATH ?? ''].filter(Boolean).join(delimiter);
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
    spec: { interactive: false },
  });
  return new Promise((resolve) => {
    const child = spawn(exec.command, [...(exec.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (run: PluginRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    const stop = (): void => {
      child.kill('SIGKILL');
      done({ exitCode: 1, stdout, stderr });
    };
    const timer = setTimeout(stop, PLUGIN_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (INTERACTIVE_PROMPT.test(stderr)) stop();
    });
    child.on('error', (e: NodeJS.ErrnoException) => done({ exitCode: e.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr || e.message }));
    child.on('close', (code) => done({ exitCode: code ?? 1, stdout, stderr }));
  });
}

export function createKubeApi(plugins: PluginEnvironment = { toolPath: [], env: process.env }): KubeApi {
  // Loading client-node takes the run's one thread tens of ms, even from its code cache. It is
  // loaded when a step first reads the cluster: loaded at the start, it delayed the first
  // commands by that much (measured: a run about 2% faster this way).
  let mod: Promise<ClientNode> | undefined;
  const load = (): Promise<ClientNode> => (mod ??= loadClientNode());
  const runPlugin = pluginRunner(plugins);
  // Per kubeconfig: the parsed file, and a client made for it, kept while the file and the
  // credential stay the same. A client remembers the API's discovery answers, so a read is one
  // request, not a discovery request and then the read.
  const clients = new Map<string, { stamp: string; file: KubeConfig; token?: string; kc: KubeConfig; api: KubernetesObjectApi }>();
  const config = async (kubeconfig: string) => {
    const k8s = await load();
    const stamp = stampOf(kubeconfig);
    const hit = clients.get(kubeconfig);
    let file = hit?.file;
    if (!file || hit?.stamp !== stamp) {
      file = new k8s.KubeConfig();
      file.loadFromFile(kubeconfig);
    }
    // A credential plugin is run here, not by client-node: with the run's tools on PATH, a
    // cached answer, and no endless wait for a browser sign-in.
    const user = file.getCurrentUser();
    let token: string | undefined;
    if (user?.exec) {
      const credential = await resolveCredential({ exec: user.exec as ExecConfig }, runPlugin);
      if (credential.kind === 'error' || credential.kind === 'waits') {
        const detail = credential.stderr.trim();
        const message = credential.kind === 'error' ? credential.message : 'the credential plugin waits for a sign-in';
        throw new Error(`${message}${detail ? `\n${detail}` : ''}`);
      }
      token = credential.kind === 'token' ? credential.token : undefined;
    }
    if (hit && hit.file === file && hit.token === token) return { k8s, kc: hit.kc, api: hit.api };
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: file.clusters,
      contexts: file.contexts,
      currentContext: file.getCurrentContext(),
      users: file.users.map((u) => (user?.exec && u.name === user.name ? { name: u.name, ...(token ? { token } : {}) } : u)),
    });
    shareConnections(kc);
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    clients.set(kubeconfig, { stamp, file, ...(token ? { token } : {}), kc, api });
    return { k8s, kc, api };
  };
  return {
    async currentContext(kubeconfig) {
      if (!existsSync(kubeconfig)) return undefined;
      const { kc } = await config(kubeconfig);
      return kc.getCurrentContext() || undefined;
    },
    async list(kubeconfig, r, query: KubeQuery) {
      const { api } = await config(kubeconfig);
      try {
        const list = await replayOnReset(() =>
          api.list(
            apiVersionOf(r),
            r.kind,
            r.namespaced ? query.namespace : undefined,
            undefined,
            undefined,
            undefined,
            query.fieldSelector,
            query.labelSelector,
          ),
        );
        return { items: list.items as unknown as KubeObject[], resourceVersion: list.metadata?.resourceVersion ?? '' };
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },
    async get(kubeconfig, r, name, namespace) {
      const { api } = await config(kubeconfig);
      try {
        const header = {
          apiVersion: apiVersionOf(r),
          kind: r.kind,
          metadata: { name, ...(r.namespaced && namespace ? { namespace } : {}) },
        };
        return (await replayOnReset(() => api.read(header))) as unknown as KubeObject;
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },
    watch(kubeconfig, r, query, resourceVersion, onChange): WatchHandle {
      let controller: AbortController | undefined;
      let stopped = false;
      let finish: () => void = () => {};
      const ended = new Promise<void>((resolve) => (finish = resolve));
      void (async () => {
        try {
          const { k8s, kc } = await config(kubeconfig);
          if (stopped) return finish();
          const params = {
            resourceVersion,
            allowWatchBookmarks: true,
            ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
            ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
          };
          controller = await new k8s.Watch(kc).watch(
            collectionPath(r, r.namespaced ? query.namespace : undefined),
            params,
            (type, object) => {
              if (type !== 'BOOKMARK') onChange(type, object as KubeObject);
            },
            () => finish(),
          );
          if (stopped) controller.abort();
        } catch {
          // A watch that cannot start is a watch that ended: the caller lists again.
          finish();
        }
      })();
      return {
        ended,
        stop: () => {
          stopped = true;
          controller?.abort();
          finish();
        },
      };
    },
  };
}
