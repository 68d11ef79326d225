import { Chalk, type ChalkInstance } from 'chalk';

export type { ChalkInstance } from 'chalk';

type Env = Readonly<Record<string, string | undefined>>;

/** A stream we may write colour to: only a terminal (a pipe or a file gets plain text). */
export interface MaybeTerminal {
  readonly isTTY?: boolean;
}

/**
 * Our colour decision for one stream: NO_COLOR (https://no-color.org), TERM=dumb or a stream
 * that is not a terminal turn it off. chalk's default instance decides for stdout alone, which
 * is wrong for stderr (progress, explanations, errors) and for a workshop attendee's own Io.
 */
export function colorFor(io: { readonly env: Env }, stream: MaybeTerminal): boolean {
  return !io.env.NO_COLOR && Boolean(stream.isTTY) && io.env.TERM !== 'dumb';
}

/** A chalk instance for this stream; level 0 (plain text) when the decision is no colour. */
export function chalkFor(io: { readonly env: Env }, stream: MaybeTerminal): ChalkInstance {
  return chalkWith(colorFor(io, stream), io.env);
}

/** chalk with colour on or off; on, as many colours as the terminal says it has. */
export function chalkWith(color: boolean, env: Env = {}): ChalkInstance {
  return new Chalk({ level: color ? colorDepth(env) : 0 });
}

function colorDepth(env: Env): 1 | 2 | 3 {
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  return /256/.test(env.TERM ?? '') ? 2 : 1;
}
