/**
 * The HTTP side every local page shares (the runbook notebook and the workshop dashboards):
 * it listens on 127.0.0.1 only, checks the Host, the token or session cookie on every request
 * and the Origin and CSRF token on every POST, sets strict headers (no inline script, no frame,
 * no referrer), serves the package's own assets, and hands the rest to the page's routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Gate, type Session } from './security.js';
import { assetsDir } from './package-files.js';
import { html, type Html } from './html.js';

export interface UiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly session: Session;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Set on POST: the form fields (urlencoded or JSON body), CSRF already checked. */
  readonly form: Readonly<Record<string, string>>;
  /** The browser's script asked for JSON (fetch), not a page (a plain form post). */
  readonly wantsJson: boolean;
}

export type Handler = (request: UiRequest) => void | Promise<void>;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** An exact path, or a pattern (its groups are not used: handlers read request.path). */
  readonly path: string | RegExp;
  readonly handler: Handler;
}

export interface UiServer {
  /** What to open: `http://127.0.0.1:PORT/?token=...`. */
  readonly url: string;
  readonly port: number;
  readonly gate: Gate;
  close(): Promise<void>;
}

export interface UiServerOptions {
  /** 0: a free port chosen by the system. */
  readonly port: number;
  readonly routes: readonly Route[];
  /** Shown on the "open the printed address" page. */
  readonly title: string;
}

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const MAX_BODY = 64 * 1024;

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const gate = new Gate();
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    handle(req, res, gate, options).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, `Internal error: ${(error as Error).message}`);
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port);
  const port = (server.address() as AddressInfo).port;
  gate.listening(port);
  return {
    url: `http://127.0.0.1:${port}/?token=${gate.token}`,
    port,
    gate,
    close: () => closeServer(server),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, gate: Gate, options: UiServerOptions): Promise<void> {
  if (!gate.hostAllowed(req)) return sendText(res, 403, 'Forbidden: this server answers to 127.0.0.1 only.');
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const token = url.searchParams.get('token');
  if (token !== null) {
    if (method !== 'GET' || token !== gate.token) return refuse(res, 401, options.title);
    // The token is swapped for a cookie, and the address bar loses it (history, screenshots).
    const { cookie } = gate.openSession();
    url.searchParams.delete('token');
    res.setHeader('set-cookie', cookie);
    return redirect(res, `${url.pathname}${url.search}`);
  }
  const session = gate.sessionOf(req);
  if (!session) return refuse(res, 401, options.title);

  if (method === 'GET' && url.pathname.startsWith('/assets/')) return serveAsset(res, url.pathname.slice('/assets/'.length));
  const route = options.routes.find(
    (r) => r.method === method && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
  );
  if (!route) return sendText(res, method === 'GET' || method === 'POST' ? 404 : 405, 'Not found.');
  let form: Record<string, string> = {};
  if (method === 'POST') {
    form = await readForm(req);
    const refusal = gate.postRefusal(req, session, form.csrf ?? headerValue(req, 'x-csrf-token'));
    if (refusal) return sendText(res, 403, `Forbidden: ${refusal}.`);
  }
  const wantsJson = (req.headers.accept ?? '').includes('application/json');
  await route.handler({ method, path: url.pathname, query: url.searchParams, session, req, res, form, wantsJson });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const data = JSON.parse(body || '{}') as Record<string, unknown>;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(new URLSearchParams(body));
}

const contentTypes: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

async function serveAsset(res: ServerResponse, name: string): Promise<void> {
  const root = assetsDir();
  const path = normalize(join(root, name));
  const type = contentTypes[extname(path)];
  if (!path.startsWith(root + sep) || type === undefined) return sendText(res, 404, 'Not found.');
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return sendText(res, 404, 'Not found.');
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, page: Html): void {
  const body = Buffer.from(page.text);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const body = Buffer.from(JSON.stringify(data));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

/** A POST answered for a plain form (back to the page) or for the page's script (JSON). */
export function answerPost(request: UiRequest, outcome: { ok: true } | { ok: false; problem: string }, back = '/'): void {
  if (request.wantsJson) return sendJson(request.res, outcome.ok ? 200 : 409, outcome);
  redirect(request.res, back);
}

function refuse(res: ServerResponse, status: number, title: string): void {
  sendHtml(
    res,
    status,
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>${title}: sign-in needed</title>
        </head>
        <body>
          <h1>${title}</h1>
          <p>
            This page needs the address the command printed, with its <code>?token=</code>. Copy it from the terminal (it changes every
            time the command starts).
          </p>
        </body>
      </html>`,
  );
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
