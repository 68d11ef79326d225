import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * One request to the Kubernetes API and its answer, as the handler (server.ts) sees them: what it
 * reads of a request and writes of a response, whether they came over HTTPS or from the owner's
 * own tools in this process (local-route.ts).
 */
export interface ApiRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  body(): Promise<Buffer>;
}

export interface ApiResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): void;
  /** Sends the headers now: a watch answers with them before its first event. */
  flushHeaders(): void;
  write(text: string): void;
  end(text?: string): void;
  /** Settles when the client has gone (a watch then stops). */
  readonly closed: Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** An HTTPS request and response as an exchange. */
export function httpExchange(req: IncomingMessage, res: ServerResponse): { request: ApiRequest; response: ApiResponse } {
  let closed: Promise<void> | undefined;
  return {
    request: { url: req.url ?? '/', method: req.method ?? 'GET', headers: req.headers, body: () => readBody(req) },
    response: {
      get headersSent() {
        return res.headersSent;
      },
      writeHead: (status, headers) => void res.writeHead(status, headers),
      flushHeaders: () => res.flushHeaders(),
      write: (text) => void res.write(text),
      end: (text) => void (text === undefined ? res.end() : res.end(text)),
      get closed() {
        closed ??= new Promise<void>((resolve) => res.once('close', () => resolve()));
        return closed;
      },
    },
  };
}
