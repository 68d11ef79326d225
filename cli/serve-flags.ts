import { platform } from 'node:os';
import { UsageError } from '../kernel/errors.js';
import type { Io } from '../kernel/io.js';
import { stringOption, type Parsed } from './args.js';

/** The flags of every command that serves a local page (`ui`, the workshop dashboards). */
export const serveOptions = {
  port: { type: 'string' },
  'no-open': { type: 'boolean' },
} as const;

/** --port N (0, the default: any free port). */
export function portOf(parsed: Parsed): number {
  const value = stringOption(parsed, 'port');
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port ${value}: expected a port number from 0 to 65535 (0: any free port).`);
  }
  return port;
}

/** Opens the printed address in the person's browser; a failure is only a warning. */
export async function openInBrowser(io: Io, url: string): Promise<{ warning?: string | undefined; cleanup(): Promise<void> }> {
  const [{ openBrowser }, { execWithZx }] = await Promise.all([import('../ui/open-browser.js'), import('../runner/exec-process.js')]);
  return openBrowser(url, { exec: execWithZx, platform: platform(), env: io.env, cwd: io.cwd, signal: io.signal });
}

/** Turns "the port is taken" into the usage error that names the fix. */
export function portInUse(error: unknown, port: number): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return error;
  return new UsageError(`Port ${port} on 127.0.0.1 is in use.`, ['Choose another with --port N, or --port 0 for any free one.']);
}
