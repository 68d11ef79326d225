import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseFaultSpec } from '../faults.js';
import { signJwt } from '../jwt.js';
import type { WorldTls } from '../tls.js';
import type { SeedAnswers } from '../world/seed.js';
import { kubeApiHandler, serveExchange } from '../kube/api/server.js';
import { serveLocally } from '../kube/api/local-route.js';
import type { SeedOptions } from '../types.js';
import type { SandboxTools } from '../config.js';
import { armRoute, sendArm } from './arm-routes.js';
import type { ToolCall, ToolReply, WorldHost } from './host.js';

export interface RunningServer {
  armPort: number;
  kubePort: number;
  rpcPort: number;
  key: string;
  close(): Promise<void>;
}

export type RpcRequest =
  | ({ op: 'call' } & ToolCall)
  | ({ op: 'precheck' } & ToolCall)
  | { op: 'seed'; answers: SeedAnswers; options?: SeedOptions; base?: boolean }
  | { op: 'session-open'; id: string; faults: string[]; tools?: SandboxTools; pid?: number }
  | { op: 'session-close'; id: string }
  | { op: 'token'; scope: string }
  | { op: 'ping' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Issues an ARM bearer token for the signed-in user (what the credential hands the SDK). */
export function armToken(host: WorldHost, scope: string): { token: string; expiresOnTimestamp: number } {
  const exp = Math.floor(host.clock.now() / 1000) + 3600;
  const aud = scope.replace(/\/?\.default$/, '/');
  const w = host.world;
  // A user's delegated token from the Azure CLI app: `scp` and `idtyp` say it is a user's.
  const claims = { aud, oid: w.user.objectId, tid: w.tenant.id, exp, upn: w.user.name, appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' };
  return { token: signJwt({ ...claims, scp: 'user_impersonation', idtyp: 'user' }, w.tokenKey), expiresOnTimestamp: exp * 1000 };
}

async function handleRpc(host: WorldHost, body: RpcRequest): Promise<unknown> {
  switch (body.op) {
    case 'call':
      return host.call(body);
    case 'precheck':
      return host.precheck(body);
    case 'seed':
      return { changed: await host.seed(body.answers, body.options, body.base !== false) };
    case 'session-open':
      host.openSession(body.id, body.faults.map(parseFaultSpec), body.tools, body.pid);
      await host.commit();
      return { ok: true };
    case 'session-close':
      host.closeSession(body.id);
      return { ok: true };
    case 'token':
      return armToken(host, body.scope);
    case 'ping':
      return { pid: process.pid };
  }
}

function sendError(res: ServerResponse, e: unknown): void {
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(e) } }));
}

const listen = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

/** The port the world's kubeconfigs name, when it is free; a new one (saved in the world) when not. */
async function listenKube(server: Server, host: WorldHost): Promise<number> {
  const wanted = host.world.kubeApiPort;
  if (wanted) {
    try {
      return await listen(server, wanted);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
      process.stderr.write(
        `sandbox: the clusters' API port ${wanted} is taken; serving on a new one (run 'az aks get-credentials' again for a fresh kubeconfig)\n`,
      );
    }
  }
  const port = await listen(server);
  host.world.kubeApiPort = port;
  await host.commit();
  return port;
}

/**
 * Two loopback listeners: HTTPS for ARM (the SDK's bearer-token policy refuses non-TLS URLs)
 * and plain HTTP for the fake tools' RPC, guarded by a key
 * that only readers of <worldDir>/server.json (mode 0600) know.
 */
export async function startListeners(host: WorldHost, tls: WorldTls): Promise<RunningServer> {
  const key = randomBytes(24).toString('hex');
  const arm = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    try {
      const answer = armRoute(host.world, req.method ?? 'GET', req.url ?? '/', req.headers.authorization, host.clock.now());
      // A read never reports a change that is not durable yet.
      void host.store.settled().then(
        () => sendArm(res, answer, req),
        (e: unknown) => sendError(res, e),
      );
    } catch (e) {
      sendError(res, e);
    }
  });
  // A failure after the answer started cannot become a 400: the connection is dropped instead.
  const rpc = createHttpServer((req, res) => void serveRpc(req, res).catch(() => res.destroy()));
  async function serveRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/rpc' || req.headers['x-sandbox-key'] !== key) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = JSON.parse(await readBody(req)) as RpcRequest;
      const out = await handleRpc(host, body);
      if (res.destroyed) return;
      if ((body.op === 'call' || body.op === 'precheck') && req.headers['x-sandbox-format'] === 'sh') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(shReply(out as ToolReply & { proceed?: boolean }, body.env.RATIFY_RUNBOOK_STEP));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (e as Error).message }));
    }
  }
  rpc.keepAliveTimeout = 1000;
  // The clusters' Kubernetes API: TLS with the world's CA, like every endpoint of this world.
  const kube = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, kubeApiHandler(host));
  // Idle connections stay open longer than the fake tools keep them in their pool (kube/client/
  // http.ts), so it is the client that closes one: a server closing a connection as a client
  // sends on it is what makes the client read ECONNRESET.
  kube.keepAliveTimeout = 30_000;
  const [armPort, rpcPort, kubePort] = await Promise.all([listen(arm), listen(rpc), listenKube(kube, host)]);
  // The owner's own fake kubectl and helm skip the loopback round trip (kube/api/local-route.ts).
  const stopLocal = serveLocally({ port: kubePort, caPem: tls.caPem, serve: (req, res) => serveExchange(host, req, res) });
  return {
    armPort,
    rpcPort,
    kubePort,
    key,
    close: async () => {
      host.releaseHangs();
      stopLocal();
      for (const s of [arm, rpc, kube]) s.closeAllConnections();
      await Promise.all([arm, rpc, kube].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/**
 * The bash client's framing (tools/bash-client.ts): exit code and the byte lengths of stdout,
 * stderr and the call-log line (whose ms the client fills in), one per line, then the bytes.
 * A precheck that lets a real tool proceed says `proceed`; the shim fills in its exit code.
 */
function shReply(reply: ToolReply & { proceed?: boolean }, step: string | undefined): string {
  const exitCode = reply.proceed ? '__RC__' : reply.exitCode;
  const log = `{"argv":${JSON.stringify(reply.logArgv)},"exitCode":${exitCode},"ms":__MS__,"step":${JSON.stringify(step ?? null)}}`;
  const parts = [reply.stdout, reply.stderr, log];
  const code = reply.proceed ? 'proceed' : reply.waitsForever ? 'wait' : reply.exitCode;
  return `${code}\n${parts.map((p) => Buffer.byteLength(p)).join('\n')}\n${parts.join('')}`;
}
