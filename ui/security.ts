/**
 * Who may talk to a local UI server. The server binds 127.0.0.1, but any web page the person
 * has open can still send requests to it, and any local user can connect. So:
 * - the first visit carries the random token the command printed (`/?token=...`); it is swapped
 *   for a session cookie (HttpOnly, SameSite=Strict, named after the port so two servers on the
 *   same host never share one), and every later request needs that cookie;
 * - the Host header must name the loopback address and our port (a DNS-rebinding page cannot);
 * - a state-changing request is a POST whose Origin (when the browser sends one) is ours and
 *   which carries the session's CSRF token (a hidden form field or the X-CSRF-Token header).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Session {
  readonly id: string;
  /** Put in every form of this session's pages; checked on every POST. */
  readonly csrf: string;
}

/** At most this many sessions are kept (every new browser profile or cleared cookie makes one). */
const MAX_SESSIONS = 64;

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Gate {
  readonly token: string;
  readonly #sessions = new Map<string, Session>();
  #port = 0;

  constructor(token: string = randomToken()) {
    this.token = token;
  }

  /** Set once the server listens: the Host and Origin checks name the port. */
  listening(port: number): void {
    this.#port = port;
  }

  get cookieName(): string {
    return `ratify_runbook_ui_${this.#port}`;
  }

  get origins(): readonly string[] {
    return [`http://127.0.0.1:${this.#port}`, `http://localhost:${this.#port}`];
  }

  /** The Host header names us (not another name that happens to resolve to 127.0.0.1). */
  hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host;
    return host === `127.0.0.1:${this.#port}` || host === `localhost:${this.#port}`;
  }

  /** A new session for a visit that showed the token; its Set-Cookie value. */
  openSession(): { session: Session; cookie: string } {
    const session: Session = { id: randomToken(), csrf: randomToken() };
    this.#sessions.set(session.id, session);
    if (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
    return { session, cookie: `${this.cookieName}=${session.id}; Path=/; HttpOnly; SameSite=Strict` };
  }

  sessionOf(request: IncomingMessage): Session | undefined {
    const value = cookieValue(request.headers.cookie, this.cookieName);
    if (value === undefined) return undefined;
    const session = this.#sessions.get(value);
    return session && sameSecret(value, session.id) ? session : undefined;
  }

  /**
   * Why a POST is refused, or undefined when it may go on: it must come from one of our pages
   * (Origin, else Sec-Fetch-Site) and carry the session's CSRF token.
   */
  postRefusal(request: IncomingMessage, session: Session, csrf: string | undefined): string | undefined {
    const origin = request.headers.origin;
    if (origin !== undefined && !this.origins.includes(origin)) return `cross-site request refused (Origin ${origin})`;
    const site = request.headers['sec-fetch-site'];
    if (origin === undefined && site !== undefined && site !== 'same-origin')
      return `cross-site request refused (Sec-Fetch-Site ${String(site)})`;
    if (!sameSecret(csrf, session.csrf)) return 'missing or wrong CSRF token: reload the page and try again';
    return undefined;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
