import { Chalk, type ChalkInstance } from 'chalk';
import { colorFor } from './io.js';

export type { ChalkInstance } from 'chalk';

type Env = Readonly<Record<string, string | undefined>>;

export { colorFor };

/** A stream we may write colour to: only a terminal (a pipe or a file gets plain text). */
export interface MaybeTerminal {
  readonly isTTY?: boolean;
}

/**
 * A chalk instance for this stream from our own decision (kernel/io.ts colorFor); level 0
 * (plain text) when the decision is no colour. Never chalk's default instance: it looks at
 * stdout alone, which is wrong for stderr and for a workshop attendee's own Io.
 */
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
