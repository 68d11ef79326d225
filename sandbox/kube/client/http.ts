import { createHash } from 'node:crypto';
import { Agent, request } from 'node:https';
import { TOOL_CALL_HEADER } from '../api/host.js';
import { requestLocally, servedLocally } from '../api/local-route.js';
import type { KubeTarget } from './kubeconfig.js';

/**
 * The sandbox's fake kubectl and helm talk to the cluster's Kubernetes API over HTTPS, with the
 * server, CA and token their kubeconfig names, like the real tools: a wrong port, CA or token
 * fails the same way. Only loopback servers are reached (the sandbox is offline); any other
 * host fails as an unresolvable name would.
 */
export interface KubeResponse {
  status: number;
  text: string;
}

/** A failure to reach the API at all (kubectl prints these without "Error from server"). */
export class Unreachable extends Error {
  /** kubectl's wording for it. */
  readonly kubectl: string;
  /** helm's `Kubernetes cluster unreachable: ...` detail. */
  readonly helm: string;
  /** What the tool prints before its message (a credential plugin's stderr). */
  readonly before: string;
  constructor(kubectl: string, helm: string, before = '') {
    super(kubectl);
    this.name = 'Unreachable';
    this.kubectl = kubectl;
    this.helm = helm;
    this.before = before;
  }
}

const agents = new Map<string, Agent>();

/**
 * How long an idle connection stays in the pool. Well under the sandbox API server's keep-alive
 * (listeners.ts), so the client, never the server, closes an idle connection: a server that
 * closes one as the client sends on it makes the client read ECONNRESET.
 */
const IDLE_SOCKET_MS = 4_000;

/** Methods Go's transport sends again when a reused connection turns out closed (isReplayable). */
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

function agentFor(target: KubeTarget): Agent {
  const key = createHash('sha256')
    .update(`${target.caPem ?? ''}|${target.insecure}`)
    .digest('hex');
  let a = agents.get(key);
  if (!a) {
    a = new Agent({
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
      maxSockets: 16,
      ...(target.caPem ? { ca: target.caPem } : {}),
      rejectUnauthorized: !target.insecure,
    });
    agents.set(key, a);
  }
  return a;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  accept?: string;
  /** Called for each line of a streamed (watch) answer; the request resolves when it ends. */
  onLine?: (line: string) => boolean | void;
}

/**
 * A response body as its chunks arrive: kept whole, or for a watch (`onLine`) answered 200, handed
 * over line by line until `onLine` returns false, which calls `stop` (the client hangs up).
 */
function bodyReader(opts: RequestOptions, status: number, stop: () => void): { push: (chunk: string) => void; text: () => string } {
  let text = '';
  let pending = '';
  let stopped = false;
  const onLine = status === 200 ? opts.onLine : undefined;
  return {
    push: (chunk) => {
      if (stopped) return;
      if (!onLine) {
        text += chunk;
        return;
      }
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() && onLine(line) === false) {
          stopped = true;
          stop();
          return;
        }
      }
    },
    text: () => text,
  };
}

export class KubeClient {
  readonly target: KubeTarget;
  private readonly token: string | undefined;
  private readonly url: URL;

  constructor(target: KubeTarget, token: string | undefined) {
    this.target = target;
    this.token = token;
    this.url = new URL(target.server);
  }

  /** Who asks whom: what a discovery cache is keyed by. */
  get identity(): string {
    return createHash('sha256')
      .update(`${this.target.server}\0${this.target.caPem ?? ''}\0${this.token ?? ''}`)
      .digest('hex');
  }

  private unreachable(detail: string, path: string): Unreachable {
    const where = `${this.url.protocol}//${this.url.host}${this.url.pathname.replace(/\/$/, '')}${path}`;
    return new Unreachable(`Unable to connect to the server: ${detail}`, `Get "${where}": ${detail}`);
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const port = this.url.port || (this.url.protocol === 'https:' ? '443' : '80');
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      return Promise.reject(this.unreachable(`dial tcp: lookup ${host} on 127.0.0.53:53: no such host`, '/version'));
    }
    if (this.url.protocol !== 'https:') {
      return Promise.reject(
        new Unreachable(
          `The connection to the server ${this.url.host} was refused - did you specify the right host or port?`,
          `Get "${this.url.origin}/version": dial tcp ${host}:${port}: connect: connection refused`,
        ),
      );
    }
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.append(k, v);
    const fullPath = `${this.url.pathname.replace(/\/$/, '')}${path}${qs.size ? `?${qs.toString()}` : ''}`;
    return this.send(method, path, fullPath, host, port, opts, REPLAYABLE.has(method));
  }

  private send(
    method: string,
    path: string,
    fullPath: string,
    host: string,
    port: string,
    opts: RequestOptions,
    mayReplay: boolean,
  ): Promise<KubeResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        accept: opts.accept ?? 'application/json',
        'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/sandbox',
        // These tools run inside a tool call, which commits before it answers (api/host.ts).
        [TOOL_CALL_HEADER]: '1',
      };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (opts.body !== undefined) {
        headers['content-type'] = opts.contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(opts.body);
      }
      if (servedLocally(this.url, this.target)) {
        this.sendLocally(method, fullPath, headers, opts, resolve, reject, path);
        return;
      }
      let answered = false;
      const req = request({ host, port, path: fullPath, method, headers, agent: agentFor(this.target) }, (res) => {
        answered = true;
        const body = bodyReader(opts, res.statusCode ?? 0, () => {
          req.destroy();
          resolve({ status: 200, text: '' });
        });
        res.setEncoding('utf8');
        res.on('data', body.push);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body.text() }));
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A pooled connection closed under us before any answer: send a replayable request
        // again (each dead pooled connection is dropped, so this ends on a new one); a
        // non-replayable request may have been applied: report it.
        if (mayReplay && req.reusedSocket && !answered && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          this.send(method, path, fullPath, host, port, opts, mayReplay).then(resolve, reject);
          return;
        }
        if (e.code === 'ECONNREFUSED')
          reject(
            new Unreachable(
              `The connection to the server ${this.url.host} was refused - did you specify the right host or port?`,
              `Get "${this.url.origin}${this.url.pathname.replace(/\/$/, '')}/version": dial tcp ${host}:${port}: connect: connection refused`,
            ),
          );
        else if (/certificate|self.signed|CERT_|UNABLE_TO/i.test(`${e.code ?? ''} ${e.message}`))
          reject(this.unreachable('tls: failed to verify certificate: x509: certificate signed by unknown authority', path));
        else if (e.code === 'ECONNRESET' && opts.onLine) resolve({ status: 200, text: '' });
        else reject(this.unreachable(e.message, path));
      });
      req.end(opts.body);
    });
  }

  /** The same exchange with the API this process serves (api/local-route.ts), answered as over HTTPS. */
  private sendLocally(
    method: string,
    fullPath: string,
    headers: Record<string, string | number>,
    opts: RequestOptions,
    resolve: (res: KubeResponse) => void,
    reject: (e: Error) => void,
    path: string,
  ): void {
    let done = false;
    const finish = (res: KubeResponse) => {
      if (done) return;
      done = true;
      resolve(res);
    };
    let status = 0;
    let body: ReturnType<typeof bodyReader> | undefined;
    const stringHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    const hangUp = requestLocally(
      this.url,
      { method, path: fullPath, headers: stringHeaders, body: opts.body },
      {
        head: (code) => {
          status = code;
          body = bodyReader(opts, code, () => {
            finish({ status: 200, text: '' });
            hangUp();
          });
        },
        data: (chunk) => {
          if (!done) body?.push(chunk);
        },
        end: () => finish({ status, text: body?.text() ?? '' }),
        reset: () => {
          if (done) return;
          done = true;
          if (opts.onLine) resolve({ status: 200, text: '' });
          else reject(this.unreachable('read: connection reset by peer', path));
        },
      },
    );
  }

  /** JSON answer, or an ApiStatus error for a non-2xx `Status`. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    if (res.status >= 200 && res.status < 300) return JSON.parse(res.text || 'null') as T;
    throw ApiStatus.from(res);
  }
}

/** A `Status` the server answered with (kubectl: `Error from server (<reason>): <message>`). */
export class ApiStatus extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: { name?: string; kind?: string; group?: string; causes?: { field: string; message: string }[] } | undefined;
  constructor(code: number, reason: string, message: string, details?: ApiStatus['details']) {
    super(message);
    this.name = 'ApiStatus';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  static from(res: KubeResponse): ApiStatus {
    try {
      const s = JSON.parse(res.text) as { kind?: string; code?: number; reason?: string; message?: string; details?: ApiStatus['details'] };
      if (s.kind === 'Status') return new ApiStatus(s.code ?? res.status, s.reason ?? '', s.message ?? '', s.details);
    } catch {
      /* not a Status: fall through */
    }
    const reason =
      (
        {
          400: 'BadRequest',
          401: 'Unauthorized',
          403: 'Forbidden',
          404: 'NotFound',
          405: 'MethodNotAllowed',
          409: 'Conflict',
          422: 'Invalid',
          500: 'InternalError',
        } as Record<number, string>
      )[res.status] ?? '';
    return new ApiStatus(res.status, reason, res.text.trim() || 'the server could not find the requested resource');
  }

  /** k8s.io/kubectl cmdutil.StandardErrorMessage. */
  get kubectlMessage(): string {
    if (this.code === 401) return `error: You must be logged in to the server (${this.message})`;
    if (this.reason === 'Invalid' && this.details?.causes?.length) {
      const causes = this.details.causes.map((c) => `${c.field}: ${c.message}`);
      const head = `The ${this.details.kind ?? ''} "${this.details.name ?? ''}" is invalid: `;
      return causes.length === 1 ? head + causes[0] : `${head}\n${causes.map((c) => `* ${c}`).join('\n')}`;
    }
    return this.reason ? `Error from server (${this.reason}): ${this.message}` : `Error from server: ${this.message}`;
  }
}
