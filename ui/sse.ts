/**
 * Server-sent events to the open pages. Each client is one response kept open; a comment line
 * every 15 s keeps proxies and the browser from closing it. A client that cannot keep up (its
 * socket buffer over a megabyte) is dropped: it reconnects and gets the whole state again.
 */
import type { ServerResponse } from 'node:http';

export interface SseClient {
  readonly res: ServerResponse;
  /** Per-client text substitution (the session's CSRF token in rendered forms). */
  readonly personalize: (data: string) => string;
}

const MAX_BUFFERED = 1024 * 1024;

export class SseHub {
  readonly #clients = new Set<SseClient>();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.#write(': keep-alive\n\n'), 15_000);
    this.#timer.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  open(res: ServerResponse, personalize: (data: string) => string = (d) => d): SseClient {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const client: SseClient = { res, personalize };
    this.#clients.add(client);
    res.on('close', () => this.#clients.delete(client));
    return client;
  }

  send(client: SseClient, event: string, data: unknown): void {
    this.#sendJson(client, event, JSON.stringify(data));
  }

  broadcast(event: string, data: unknown): void {
    const json = JSON.stringify(data);
    for (const client of this.#clients) this.#sendJson(client, event, json);
  }

  #sendJson(client: SseClient, event: string, json: string): void {
    const text = client.personalize(json);
    if (client.res.writableLength > MAX_BUFFERED) {
      client.res.destroy();
      this.#clients.delete(client);
      return;
    }
    client.res.write(`event: ${event}\ndata: ${text}\n\n`);
  }

  #write(text: string): void {
    for (const client of this.#clients) client.res.write(text);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }
}
