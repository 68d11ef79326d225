import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiRequest, ApiResponse } from '../../sandbox/kube/api/exchange.js';
import { serveLocally, servedLocally } from '../../sandbox/kube/api/local-route.js';
import { clusterPath } from '../../sandbox/kube/api/server.js';
import { KubeClient, Unreachable } from '../../sandbox/kube/client/http.js';
import type { KubeTarget } from '../../sandbox/kube/client/kubeconfig.js';
import { ensureWorldTls, type WorldTls } from '../../sandbox/tls.js';
import { kubeApiOverHttps, startKubeApiWorld, type KubeApiWorld } from '../helpers/kube-api-world.js';
import { virtualClock } from '../helpers/sandbox-world.js';

/**
 * The owner's own fake kubectl and helm hand their requests to the API this process serves,
 * without a socket (sandbox/kube/api/local-route.ts). What they hear must be what HTTPS answers,
 * and only requests HTTPS would deliver to that server may take the short way.
 */
let dir: string;
let tls: WorldTls;
let otherCa: WorldTls;

/** A loopback port nothing listens on: a request that goes over the network there is refused. */
async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function target(server: string, trust: { caPem?: string; insecure?: boolean }): KubeTarget {
  return {
    contextName: 'c',
    server,
    ...(trust.caPem ? { caPem: trust.caPem } : {}),
    insecure: trust.insecure ?? false,
    userName: 'u',
    user: { token: 't0k' },
    userDir: dir,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rr-local-route-'));
  tls = await ensureWorldTls(join(dir, 'world'));
  otherCa = await ensureWorldTls(join(dir, 'other'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which requests are answered in this process', () => {
  test("https to 127.0.0.1 on the served port, trusting the world's CA or skipping verification; nothing else", async () => {
    const port = await freePort();
    const stop = serveLocally({ port, caPem: tls.caPem, serve: () => {} });
    try {
      const at = (url: string, trust: { caPem?: string; insecure?: boolean }) => servedLocally(new URL(url), target(url, trust));
      expect(at(`https://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem })).toBe(true);
      // The same CA with other line breaks, as a CA file may hold it.
      expect(at(`https://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem.replace(/\n/g, '\r\n') })).toBe(true);
      expect(at(`https://127.0.0.1:${port}/clusters/c`, { insecure: true })).toBe(true);
      expect(at(`https://127.0.0.1:${port}/clusters/c`, { caPem: otherCa.caPem })).toBe(false);
      expect(at(`https://127.0.0.1:${port}/clusters/c`, {})).toBe(false);
      expect(at(`https://localhost:${port}/clusters/c`, { caPem: tls.caPem })).toBe(false);
      expect(at(`http://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem })).toBe(false);
      expect(at(`https://127.0.0.1:${port + 1}/clusters/c`, { caPem: tls.caPem })).toBe(false);
    } finally {
      stop();
    }
    expect(servedLocally(new URL(`https://127.0.0.1:${port}/`), target('', { caPem: tls.caPem }))).toBe(false);
  });

  test('a request it does not take goes over the network and fails there, as before (nothing listens on the port)', async () => {
    const port = await freePort();
    const seen: string[] = [];
    const stop = serveLocally({
      port,
      caPem: tls.caPem,
      serve: (req: ApiRequest, res: ApiResponse) => {
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(200, {});
        res.end('{}');
      },
    });
    try {
      const wrongCa = new KubeClient(target(`https://127.0.0.1:${port}/clusters/c`, { caPem: otherCa.caPem }), 't0k');
      const err = await wrongCa.request('GET', '/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Unreachable);
      expect((err as Unreachable).kubectl).toMatch(/was refused/);
      const served = new KubeClient(target(`https://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem }), 't0k');
      expect(await served.request('GET', '/version')).toEqual({ status: 200, text: '{}' });
      expect(seen).toEqual(['GET /clusters/c/version']);
    } finally {
      stop();
    }
  });

  test('the handler gets the method, path and query, the headers HTTPS carries (host included) and the body', async () => {
    const port = await freePort();
    let got: { method: string; url: string; headers: Record<string, unknown>; body: string } | undefined;
    const stop = serveLocally({
      port,
      caPem: tls.caPem,
      serve: (req, res) => {
        void req.body().then((b) => {
          got = { method: req.method, url: req.url, headers: req.headers, body: b.toString('utf8') };
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end('{"made":true}');
        });
      },
    });
    try {
      const client = new KubeClient(target(`https://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem }), 't0k');
      const res = await client.request('POST', '/api/v1/namespaces', { body: '{"a":"é"}', query: { fieldManager: 'kubectl' } });
      expect(res).toEqual({ status: 201, text: '{"made":true}' });
      expect(got).toMatchObject({
        method: 'POST',
        url: '/clusters/c/api/v1/namespaces?fieldManager=kubectl',
        body: '{"a":"é"}',
        headers: {
          host: `127.0.0.1:${port}`,
          authorization: 'Bearer t0k',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength('{"a":"é"}')),
          'x-sandbox-tool-call': '1',
        },
      });
    } finally {
      stop();
    }
  });

  test('a watch: lines as they are written; the client stopping ends it on the server; the server closing ends it for the client', async () => {
    const port = await freePort();
    const ended: string[] = [];
    let write: ((line: string) => void) | undefined;
    const stop = serveLocally({
      port,
      caPem: tls.caPem,
      serve: (req, res) => {
        if (!req.url.startsWith('/clusters/c/w')) return; // never answered
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        write = (line) => res.write(`${line}\n`);
        void res.closed.then(() => ended.push(req.url));
      },
    });
    const client = new KubeClient(target(`https://127.0.0.1:${port}/clusters/c`, { caPem: tls.caPem }), 't0k');
    const lines: string[] = [];
    const first = client.request('GET', '/w1', {
      onLine: (line) => {
        lines.push(line);
        return line !== 'stop';
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    write!('a');
    write!('b\nstop');
    write!('');
    write!('after');
    expect(await first).toEqual({ status: 200, text: '' });
    expect(lines).toEqual(['a', 'b', 'stop']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toEqual(['/clusters/c/w1']);

    // A watch under way, and a request not answered yet, when the server closes.
    const watching = client.request('GET', '/w2', { onLine: () => true });
    const plain = new KubeClient(target(`https://127.0.0.1:${port}/clusters/c`, { insecure: true }), 't0k').request('GET', '/slow');
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop();
    expect(await watching).toEqual({ status: 200, text: '' });
    const err = await plain.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unreachable);
    expect((err as Unreachable).kubectl).toMatch(/connection reset/);
  });
});

describe('a watch read over HTTPS, as the local route reads it', () => {
  test('lines as they arrive, none after the client stops; the server sees the client go', async () => {
    let write: ((text: string) => void) | undefined;
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      write = (text) => res.write(text);
      res.on('close', () => serverSawClose());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      // Not served in this process: nothing registered that port.
      const url = `https://127.0.0.1:${port}/clusters/c`;
      expect(servedLocally(new URL(url), target(url, { caPem: tls.caPem }))).toBe(false);
      const lines: string[] = [];
      const watching = new KubeClient(target(url, { caPem: tls.caPem }), 't0k').request('GET', '/w', {
        onLine: (line) => {
          lines.push(line);
          return line !== 'stop';
        },
      });
      while (!write) await new Promise((resolve) => setTimeout(resolve, 2));
      write('a\nb');
      write('\nstop\nafter\n');
      expect(await watching).toEqual({ status: 200, text: '' });
      expect(lines).toEqual(['a', 'b', 'stop']);
      await closed;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the sandbox's own API, in this process and over HTTPS", () => {
  let api: KubeApiWorld;
  beforeAll(async () => {
    api = await startKubeApiWorld(join(dir, 'world'), tls, virtualClock());
  });
  afterAll(() => api?.close());
  const overHttps = (method: string, path: string, bearer: string, body?: string) =>
    kubeApiOverHttps(api, tls.caPem, method, path, { bearer, ...(body !== undefined ? { body } : {}) });

  test('the kubeconfig a tool reads leads in-process, and each answer is the one HTTPS gives', async () => {
    const { server, cluster, token } = api;
    const url = `https://127.0.0.1:${server.kubePort}${clusterPath(cluster)}`;
    expect(servedLocally(new URL(url), target(url, { caPem: tls.caPem }))).toBe(true);
    const local = (bearer: string) => new KubeClient(target(url, { caPem: tls.caPem }), bearer);
    const ns = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // Created once each way; then each way meets the other's: AlreadyExists.
    const made = [await local(token).request('POST', '/api/v1/namespaces', { body: ns('by-tool') })];
    made.push(await overHttps('POST', '/api/v1/namespaces', token, ns('by-https')));
    expect(made.map((r) => r.status)).toEqual([201, 201]);
    const again = [
      await local(token).request('POST', '/api/v1/namespaces', { body: ns('by-https') }),
      await overHttps('POST', '/api/v1/namespaces', token, ns('by-tool')),
    ];
    expect(again.map((r) => r.status)).toEqual([409, 409]);
    expect(JSON.parse(again[0]!.text)).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'namespaces "by-https" already exists',
    });
    for (const [method, path, bearer] of [
      ['GET', '/version', token],
      ['GET', '/api/v1/namespaces/by-tool', token],
      ['GET', '/api/v1/namespaces/default/pods/nope', token],
      ['GET', '/api/v1/namespaces', 'not-a-token'],
      ['GET', '/nonsense', token],
    ] as const) {
      const viaTool = await local(bearer).request(method, path);
      const viaHttps = await overHttps(method, path, bearer);
      expect({ path, bearer, status: viaTool.status }).toEqual({ path, bearer, status: viaHttps.status });
      expect(JSON.parse(viaTool.text)).toEqual(JSON.parse(viaHttps.text));
    }
  });
});
