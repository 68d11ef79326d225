import { colorFor } from './terminal-style.js';

/**
 * Everything the CLI takes from the process, injected so commands never read process.*
 * directly (tests and the workshop runner build their own).
 */
export interface Io {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/** Colour on stderr (progress, explanations, errors): the rule of terminal-style.ts colorFor. */
export function useColor(io: Io): boolean {
  return colorFor(io, io.stderr);
}
