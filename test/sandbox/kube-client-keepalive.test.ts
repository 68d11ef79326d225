import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKubeApi } from '../../cli/kube-reader.js';
import { KubeClient } from '../../sandbox/kube/client/http.js';
import type { KubeTarget } from '../../sandbox/kube/client/kubeconfig.js';
import { ensureWorldTls, type WorldTls } from '../../sandbox/tls.js';

/**
 * The fake kubectl and helm, and the runbook's in-process reads, keep their connections to a cluster's API open between requests,
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
/** Answer the second request of a connection too (a well-behaved server), or close it under the client. */
let resetReused = true;
let handshakes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-keepalive-'));
  tls = await ensureWorldTls(dir);
  // A server that answers the first request of each connection, and closes the connection
  // instead of answering any later one: the race of an idle-timeout close, every time.
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const socket = req.socket;
    const n = (requestsPerSocket.get(socket) ?? 0) + 1;
    requestsPerSocket.set(socket, n);
    if (n > 1 && resetReused) {
      socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const name = req.url!.split('?')[0]!;
    if (name.endsWith('/api/v1'))
      // Discovery, which client-node asks before its first read of a kind.
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [{ name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'] }],
        }),
      );
    else if (name.endsWith('/namespaces')) res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
    else res.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name } }));
  });
  server.on('secureConnection', () => (handshakes += 1));
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

describe('the in-process reads (@kubernetes/client-node)', () => {
  const NAMESPACES = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
  let kubeconfig: string;
  beforeAll(() => {
    kubeconfig = join(dir, 'kubeconfig');
    const ca = Buffer.from(tls.caPem).toString('base64');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "https://127.0.0.1:${port}/clusters/c", certificate-authority-data: ${ca} }
users:
- name: u
  user: { token: abc }
contexts:
- name: c
  context: { cluster: c, user: u }
current-context: c
`,
    );
  });

  test('share one connection: ten reads are one TLS handshake, not ten', async () => {
    resetReused = false;
    try {
      const api = createKubeApi();
      await api.get(kubeconfig, NAMESPACES, 'warm-up');
      const before = handshakes;
      for (let i = 0; i < 10; i++) expect((await api.get(kubeconfig, NAMESPACES, `n${i}`))?.metadata.name).toMatch(/n\d$/);
      expect(handshakes - before).toBe(0);
    } finally {
      resetReused = true;
    }
  });

  test('a read whose pooled connection the server closed is sent again', async () => {
    const api = createKubeApi();
    for (const name of ['a', 'b', 'c'])
      expect((await api.get(kubeconfig, NAMESPACES, name))?.metadata.name).toMatch(new RegExp(`/${name}$`));
    expect((await api.list(kubeconfig, NAMESPACES, {}))?.items).toEqual([]);
  });
});
