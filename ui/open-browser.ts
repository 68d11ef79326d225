/**
 * Opens the page in the person's browser with the platform's opener, run as an argv list like
 * every other command (no shell). The address holds the session token, and another local user
 * can read a process's arguments, so the opener is given a file instead: a page only this user
 * can read, which forwards the browser to the address (what Jupyter does for the same reason).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exec } from '../runner/exec-process.js';
import { escapeHtml } from './html.js';

export interface OpenedBrowser {
  /** Set when the browser could not be opened: say it, the printed address still works. */
  readonly warning?: string | undefined;
  /** Removes the forwarding page (when the server stops). */
  cleanup(): Promise<void>;
}

export function openerFor(platform: NodeJS.Platform, file: string): string[] {
  if (platform === 'darwin') return ['open', file];
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler', file];
  return ['xdg-open', file];
}

export async function openBrowser(
  url: string,
  deps: { exec: Exec; platform: NodeJS.Platform; env: Readonly<Record<string, string | undefined>>; cwd: string; signal: AbortSignal },
): Promise<OpenedBrowser> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-runbook-ui-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const file = join(dir, 'open.html');
  const target = escapeHtml(url);
  await writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>ratify-runbook</title>` +
      `<p><a href="${target}">Open the ratify-runbook page</a></p>\n`,
    { mode: 0o600 },
  );
  const argv = openerFor(deps.platform, pathToFileURL(file).href);
  const env = Object.fromEntries(Object.entries(deps.env).filter((e): e is [string, string] => e[1] !== undefined));
  try {
    const result = await deps.exec({ argv, env, cwd: deps.cwd, timeoutMs: 15_000, signal: deps.signal });
    if (result.exitCode !== 0) {
      const why = result.exitCode === 127 ? `${argv[0]} is not installed` : `${argv[0]} exited with ${result.exitCode}`;
      return { warning: `Could not open a browser (${why}): open the address above yourself.`, cleanup };
    }
    return { cleanup };
  } catch (error) {
    return { warning: `Could not open a browser (${(error as Error).message}): open the address above yourself.`, cleanup };
  }
}
