import { request } from 'node:https';
import { clusterPath } from '../../sandbox/kube/api/server.js';
import { clusterTokens } from '../../sandbox/kube/auth.js';
import { kubeOf } from '../../sandbox/kube/objects.js';
import { parseLatency } from '../../sandbox/latency.js';
import { WorldHost } from '../../sandbox/server/host.js';
import { startListeners, type RunningServer } from '../../sandbox/server/listeners.js';
import type { WorldTls } from '../../sandbox/tls.js';
import type { ArmResource } from '../../sandbox/world/model.js';
import { listByType } from '../../sandbox/world/resources.js';
import { newWorld, seedAnswers } from '../../sandbox/world/seed.js';
import { WorldStore } from '../../sandbox/world/store.js';
import { ANSWERS, type VirtualClock } from './sandbox-world.js';

/** A seeded world served on loopback (ARM, RPC and the clusters' Kubernetes API), with its cluster and that cluster's user token. */
export interface KubeApiWorld {
  host: WorldHost;
  server: RunningServer;
  cluster: ArmResource;
  token: string;
  close(): Promise<void>;
}

export async function startKubeApiWorld(dir: string, tls: WorldTls, clock: VirtualClock): Promise<KubeApiWorld> {
  const world = newWorld();
  seedAnswers(world, ANSWERS, clock.now());
  const host = new WorldHost(await WorldStore.open(dir, () => world), parseLatency('demo'), clock);
  const server = await startListeners(host, tls);
  const cluster = listByType(world, 'Microsoft.ContainerService/ManagedClusters')[0]!;
  return {
    host,
    server,
    cluster,
    token: clusterTokens(kubeOf(world, cluster.id)).user,
    close: async () => {
      await server.close();
      await host.flush();
    },
  };
}

/** One request to the cluster's API over HTTPS, as any client sends it; the status and the body's text. */
export function kubeApiOverHttps(
  api: Pick<KubeApiWorld, 'server' | 'cluster'>,
  caPem: string,
  method: string,
  path: string,
  opts: { bearer: string; body?: string; contentType?: string; accept?: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: api.server.kubePort,
        path: `${clusterPath(api.cluster)}${path}`,
        method,
        ca: caPem,
        headers: {
          authorization: `Bearer ${opts.bearer}`,
          accept: opts.accept ?? 'application/json',
          ...(opts.body !== undefined
            ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(opts.body) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
