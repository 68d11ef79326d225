import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KubeClient } from '../../sandbox/kube/client/http.js';
import type { KubeTarget } from '../../sandbox/kube/client/kubeconfig.js';
import { ensureWorldTls, type WorldTls } from '../../sandbox/tls.js';

/**
 * The fake kubectl and helm keep their connections to a cluster's API open between requests,
 * and a server may close an idle one at the very moment a client sends on it: the client then
 * reads ECONNRESET. Go's transport (the real kubectl and helm) sends a replayable request again
 * on a new connection; a workshop batch once failed an attendee's `helm upgrade --install` with
 * "Kubernetes cluster unreachable: ... read ECONNRESET" because ours did not.
 */
let dir: string;
let tls: WorldTls;
let server: Server;
let port: number;
const requestsPerSocket = new Map<Socket, number>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-keepalive-'));
  tls = await ensureWorldTls(dir);
  // A server that answers the first request of each connection, and closes the connection
  // instead of answering any later one: the race of an idle-timeout close, every time.
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const socket = req.socket;
    const n = (requestsPerSocket.get(socket) ?? 0) + 1;
    requestsPerSocket.set(socket, n);
    if (n > 1) {
      socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: req.url } }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function client(): KubeClient {
  const target: KubeTarget = {
    contextName: 'c',
    server: `https://127.0.0.1:${port}/clusters/c`,
    caPem: tls.caPem,
    insecure: false,
    userName: 'u',
    user: { token: 'abc' },
    userDir: dir,
  };
  return new KubeClient(target, 'abc');
}

describe('a connection the server closed while the client reused it', () => {
  test('a GET is sent again on a new connection, as the real kubectl and helm do', async () => {
    const kube = client();
    for (const name of ['a', 'b', 'c']) {
      const got = await kube.json<{ metadata: { name: string } }>('GET', `/api/v1/namespaces/${name}`);
      expect(got.metadata.name).toBe(`/clusters/c/api/v1/namespaces/${name}`);
    }
    // Each answer came on a fresh connection: the two reused ones were closed under the client.
    expect([...requestsPerSocket.values()].filter((n) => n > 1).length).toBeGreaterThanOrEqual(2);
  });

  test('a POST is not sent twice (it may have been applied): the reset is reported', async () => {
    const kube = client();
    await kube.json('GET', '/api/v1/namespaces/first');
    await expect(kube.json('POST', '/api/v1/namespaces', { body: '{}' })).rejects.toThrow(/ECONNRESET|socket hang up/);
  });
});
