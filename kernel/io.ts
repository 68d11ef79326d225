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
  /** Aborted on Ctrl-C / SIGTERM; its reason is the signal's name ("SIGINT", "SIGTERM"). */
  readonly signal: AbortSignal;
  /**
   * Stops the command as that signal would (Ctrl-C inside a prompt reads as a key, not a
   * SIGINT): absent where nothing but the signal can interrupt (tests, workshop attendees).
   */
  readonly interrupt?: (signal: string) => void;
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/**
 * Our colour decision for one stream: NO_COLOR (https://no-color.org), TERM=dumb or a stream
 * that is not a terminal turn it off. (chalk's default instance decides for stdout alone, which
 * is wrong for stderr and for a workshop attendee's own Io: see terminal-style.ts.)
 */
export function colorFor(io: { readonly env: Io['env'] }, stream: { readonly isTTY?: boolean }): boolean {
  return !io.env.NO_COLOR && Boolean(stream.isTTY) && io.env.TERM !== 'dumb';
}

/** Colour on stderr (progress, explanations, errors). */
export function useColor(io: Io): boolean {
  return colorFor(io, io.stderr);
}
