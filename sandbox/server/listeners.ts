import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseFaultSpec } from '../faults.js';
import { signJwt } from '../jwt.js';
import type { WorldTls } from '../tls.js';
import type { SeedAnswers } from '../world/seed.js';
import type { SeedOptions } from '../types.js';
import type { SandboxTools } from '../config.js';
import { armRoute, sendArm } from './arm-routes.js';
import type { ToolCall, ToolReply, WorldHost } from './host.js';

export interface RunningServer {
  armPort: number;
  rpcPort: number;
  key: string;
  close(): Promise<void>;
}

export type RpcRequest =
  | ({ op: 'call' } & ToolCall)
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
  return { token: signJwt({ aud, oid: w.user.objectId, tid: w.tenant.id, exp, upn: w.user.name, appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' }, w.tokenKey), expiresOnTimestamp: exp * 1000 };
}

async function handleRpc(host: WorldHost, body: RpcRequest): Promise<unknown> {
  switch (body.op) {
    case 'call':
      return host.call(body);
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

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

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
      void host.store.settled().then(() => sendArm(res, answer, req), (e: unknown) => sendError(res, e));
    } catch (e) {
      sendError(res, e);
    }
  });
  const rpc = createHttpServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/rpc' || req.headers['x-sandbox-key'] !== key) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = JSON.parse(await readBody(req)) as RpcRequest;
      const out = await handleRpc(host, body);
      if (res.destroyed) return;
      if (body.op === 'call' && req.headers['x-sandbox-format'] === 'sh') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(shReply(out as ToolReply, body.env.RATIFY_RUNBOOK_STEP));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (e as Error).message }));
    }
  });
  rpc.keepAliveTimeout = 1000;
  const [armPort, rpcPort] = await Promise.all([listen(arm), listen(rpc)]);
  return {
    armPort,
    rpcPort,
    key,
    close: async () => {
      host.releaseHangs();
      arm.closeAllConnections();
      rpc.closeAllConnections();
      await Promise.all([new Promise((r) => arm.close(r)), new Promise((r) => rpc.close(r))]);
    },
  };
}

/**
 * The bash client's framing (tools/bash-client.ts): exit code and the byte lengths of stdout,
 * stderr and the call-log line (whose ms the client fills in), one per line, then the bytes.
 */
function shReply(reply: ToolReply, step: string | undefined): string {
  const log = `{"argv":${JSON.stringify(reply.logArgv)},"exitCode":${reply.exitCode},"ms":__MS__,"step":${JSON.stringify(step ?? null)}}`;
  const parts = [reply.stdout, reply.stderr, log];
  return `${reply.waitsForever ? 'wait' : reply.exitCode}\n${parts.map((p) => Buffer.byteLength(p)).join('\n')}\n${parts.join('')}`;
}
