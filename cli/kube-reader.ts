import { existsSync } from 'node:fs';
import type { KubeApi, KubeObject, KubeQuery, KubeResource, WatchHandle } from '../runner/step.js';

/**
 * The cluster's API read in-process with @kubernetes/client-node, through the state dir's
 * kubeconfig (its server, CA and credentials: a static token, or kubelogin on Entra ID
 * clusters). The kubeconfig is read afresh for every call, since a step may have just rewritten
 * it with `az aks get-credentials`.
 */
type ClientNode = typeof import('@kubernetes/client-node');

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

export function createKubeApi(): KubeApi {
  // Loading client-node takes several node start-ups' worth of CPU: start now, while the run's
  // first steps wait on their processes, so it is there when a step first reads the cluster.
  const mod: Promise<ClientNode> = import('@kubernetes/client-node');
  mod.catch(() => {});
  const load = (): Promise<ClientNode> => mod;
  const config = async (kubeconfig: string) => {
    const k8s = await load();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    return { k8s, kc };
  };
  return {
    async currentContext(kubeconfig) {
      if (!existsSync(kubeconfig)) return undefined;
      const { kc } = await config(kubeconfig);
      return kc.getCurrentContext() || undefined;
    },
    async list(kubeconfig, r, query: KubeQuery) {
      const { k8s, kc } = await config(kubeconfig);
      try {
        const list = await k8s.KubernetesObjectApi.makeApiClient(kc).list(
          apiVersionOf(r),
          r.kind,
          r.namespaced ? query.namespace : undefined,
          undefined,
          undefined,
          undefined,
          query.fieldSelector,
          query.labelSelector,
        );
        return { items: list.items as unknown as KubeObject[], resourceVersion: list.metadata?.resourceVersion ?? '' };
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },
    async get(kubeconfig, r, name, namespace) {
      const { k8s, kc } = await config(kubeconfig);
      try {
        const header = {
          apiVersion: apiVersionOf(r),
          kind: r.kind,
          metadata: { name, ...(r.namespaced && namespace ? { namespace } : {}) },
        };
        return (await k8s.KubernetesObjectApi.makeApiClient(kc).read(header)) as unknown as KubeObject;
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
