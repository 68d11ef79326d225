import type { ArgSpec, Parsed } from './args.js';
import type { AzCtx } from './context.js';

export interface AzCommand {
  /** Words after `az`, e.g. 'keyvault certificate create'. */
  path: string;
  args: ArgSpec[];
  run(ctx: AzCtx, a: Parsed): unknown;
}
