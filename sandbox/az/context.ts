import type { ToolContext } from '../tool-context.js';
import type { Principal, Subscription } from '../world/model.js';

export interface AzCtx extends ToolContext {
  readonly sub: Subscription;
  readonly caller: Principal;
  /** `WARNING: <msg>` on stderr (hidden by --only-show-errors). */
  warn(msg: string): void;
  /** Text straight to stderr, no prefix (deprecation banners). */
  stderrRaw(text: string): void;
  /** Text straight to stdout (the `acr build` log stream). */
  stdoutRaw(text: string): void;
  now(): number;
  /** Reads a file named on the command line (relative to the caller's cwd). */
  readFile(path: string): string;
}

export type { Parsed } from './args.js';
