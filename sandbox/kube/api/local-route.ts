import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ApiRequest, ApiResponse } from './exchange.js';

/**
 * The owner's own fake kubectl and helm run in the process that serves the clusters' Kubernetes
 * API, so their requests are handed to that API's handler here, without a socket or TLS. The
 * answer is the one the handler gives over HTTPS (authentication, `Status` errors, admission,
 * watches, the commit before a write answers); what is skipped is the loopback TLS round trip: ~0.4
 * ms of the owner's one thread each when warm, about what answering costs, and a helm install makes
 * ~50 requests (its instant-run time went from ~70 to ~55 ms).
 *
 * Only a request that would reach this server over HTTPS takes this way: https to 127.0.0.1 (the
 * address it listens on) on its port, from a client that trusts the world's CA or skips
 * verification. Another port, host or CA goes over the network and fails as it would.
 */
export interface LocalApi {
  readonly port: number;
  readonly caPem: string;
  serve(request: ApiRequest, response: ApiResponse): void;
}

const served = new Map<number, { api: LocalApi; open: Set<LocalResponse> }>();

/** Serves `api` to this process's clients until the returned function is called (the server closes). */
export function serveLocally(api: LocalApi): () => void {
  const entry = { api, open: new Set<LocalResponse>() };
  served.set(api.port, entry);
  return () => {
    if (served.get(api.port) === entry) served.delete(api.port);
    // As closing the server's connections does: a watch under way ends.
    for (const response of entry.open) response.close();
  };
}

const samePem = (a: string, b: string): boolean => a.replace(/\s+/g, '') === b.replace(/\s+/g, '');

export interface LocalTarget {
  caPem?: string;
  insecure: boolean;
}

/** True when a request to `url` with `target`'s trust would reach an API served in this process. */
export function servedLocally(url: URL, target: LocalTarget): boolean {
  if (url.protocol !== 'https:' || url.hostname !== '127.0.0.1') return false;
  const entry = served.get(Number(url.port || 443));
  if (!entry) return false;
  return target.insecure || (target.caPem !== undefined && samePem(target.caPem, entry.api.caPem));
}

/** What the client hears of a local exchange: the status, then the body as it is written. */
export interface LocalListener {
  head(status: number): void;
  data(text: string): void;
  end(): void;
  /** The server closed before answering: what a reset connection tells an HTTPS client. */
  reset(): void;
}

class LocalResponse implements ApiResponse {
  headersSent = false;
  readonly closed: Promise<void>;
  #close!: () => void;
  #done = false;
  readonly #listener: LocalListener;
  readonly #open: Set<LocalResponse>;

  constructor(listener: LocalListener, open: Set<LocalResponse>) {
    this.#listener = listener;
    this.#open = open;
    this.closed = new Promise<void>((resolve) => (this.#close = resolve));
    open.add(this);
  }

  writeHead(status: number, _headers: OutgoingHttpHeaders): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.#listener.head(status);
  }

  flushHeaders(): void {}

  write(text: string): void {
    if (!this.#done) this.#listener.data(text);
  }

  end(text?: string): void {
    if (this.#done) return;
    if (text) this.#listener.data(text);
    this.#done = true;
    this.#open.delete(this);
    this.#listener.end();
    this.#close();
  }

  /**
   * The client went away, or the server closed: the handler stops writing, and the client hears
   * the end of what was answered (a reset when nothing was).
   */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#open.delete(this);
    if (this.headersSent) this.#listener.end();
    else this.#listener.reset();
    this.#close();
  }
}

/**
 * Hands one request to the API served at `url`'s port (see servedLocally). Returns a function that
 * ends the exchange from the client's side, as dropping the connection would.
 */
export function requestLocally(
  url: URL,
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: string | undefined },
  listener: LocalListener,
): () => void {
  const entry = served.get(Number(url.port || 443))!;
  const response = new LocalResponse(listener, entry.open);
  const bytes = Buffer.from(req.body ?? '', 'utf8');
  const request: ApiRequest = {
    url: req.path,
    method: req.method,
    headers: { ...req.headers, host: url.host },
    body: () => Promise.resolve(bytes),
  };
  // Answered after the caller has its hang-up, as a request sent over a connection would be.
  queueMicrotask(() => entry.api.serve(request, response));
  return () => response.close();
}
