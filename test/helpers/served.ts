/**
 * The built binary serving a page (`ui`, `workshop run --dashboard`, `workshop dashboard`) as a
 * child process: its first stdout line is the address to open; the rest is kept for asserts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, REPO, cleanEnv } from './cli.js';

export interface Served {
  /** http://127.0.0.1:PORT/?token=... */
  readonly url: string;
  readonly origin: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
  /** Resolves when stderr (from the start) matches. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export async function serve(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...cleanEnv(), CI: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? null : code)));
  const waitFor = (test: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (test()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}\nstdout: ${out}\nstderr: ${err}`));
      }, timeoutMs);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      void exited.then((code) => {
        if (!test()) {
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before ${what}\nstdout: ${out}\nstderr: ${err}`));
        }
      });
    });
  await waitFor(() => out.includes('\n'), 'the address on stdout', options.timeoutMs ?? 30_000);
  const url = out.split('\n')[0]!.trim();
  return {
    url,
    origin: new URL(url).origin,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr: (pattern, timeoutMs = 60_000) => waitFor(() => pattern.test(err), String(pattern), timeoutMs),
  };
}

/** Signs in with the printed address's token, as a browser's first visit does; returns the cookie. */
export async function signIn(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  const cookie = response.headers.get('set-cookie');
  if (response.status !== 303 || !cookie) throw new Error(`sign-in failed: ${response.status}`);
  return cookie.split(';')[0]!;
}

/** Reads a server-sent event stream into a string until `stop` is called. */
export function recordEvents(origin: string, cookie: string): { text(): string; stop(): void } {
  const controller = new AbortController();
  let text = '';
  void (async () => {
    try {
      const response = await fetch(`${origin}/events`, { headers: { cookie }, signal: controller.signal });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted, or the server went away
    }
  })();
  return { text: () => text, stop: () => controller.abort() };
}

export { REPO };
