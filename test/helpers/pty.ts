import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { BIN, REPO, cleanEnv } from './cli.js';

/**
 * Drives the built binary through a real pseudo-terminal (node-pty), as a person at a
 * terminal would: read the screen, type keys.
 */
export interface PtySession {
  /** Everything printed so far, ANSI stripped. */
  text(): string;
  /** Everything printed so far, escape codes included (to check colours). */
  raw(): string;
  /** Resolves when the screen (since `from`) matches; rejects with the screen after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<number>;
  write(keys: string): void;
  exited: Promise<number>;
  kill(signal?: string): void;
}

export const keys = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003' };

export async function spawnPty(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PtySession> {
  const pty = await import('node-pty');
  // Its own HOME, like runCli: the runbook must never touch ~/.kube (checked when it exits).
  const home = mkdtempSync(join(tmpdir(), 'rr-home-'));
  const env = { ...cleanEnv(), HOME: home, ...options.env } as Record<string, string>;
  delete env.CI; // a person at a terminal, not CI
  const child = pty.spawn(process.execPath, [BIN, ...args], { name: 'xterm-256color', cols: 140, rows: 50, cwd: options.cwd ?? REPO, env });
  let raw = '';
  const listeners = new Set<() => void>();
  child.onData((data) => {
    raw += data;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number>((resolve, reject) =>
    child.onExit(({ exitCode }) => {
      const touched = existsSync(join(home, '.kube'));
      rmSync(home, { recursive: true, force: true });
      if (touched) reject(new Error("the command wrote ~/.kube (it must use the state dir's own kubeconfig)"));
      else resolve(exitCode);
    }),
  );
  const text = () => stripVTControlCharacters(raw);
  return {
    text,
    raw: () => raw,
    write: (k) => child.write(k),
    kill: (signal) => child.kill(signal),
    exited,
    waitFor(pattern, timeoutMs = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const slice = text().slice(from);
          const match = pattern.exec(slice);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(from + match.index + match[0].length);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`Timed out waiting for ${pattern}. Screen so far:\n${text().slice(-3000)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
