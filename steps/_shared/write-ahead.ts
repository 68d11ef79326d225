import type { CreateGuard } from '../../kernel/created-resource.js';

/**
 * Guards for write-ahead records (StepContext.willCreate): how the engine finds, after a crash,
 * what a create command may have made, and whether it carries this run's mark.
 */

/** One ARM GET; `mark` is what the resource must carry to count as this run's. */
export function armGuard(id: string, apiVersion: string, mark: 'tag' | 'description' | 'none'): CreateGuard {
  return { kind: 'arm', id, apiVersion, mark };
}

/** One read command; found when it prints something (and, with `expect`, prints that line). */
export function readGuard(argv: readonly string[], expect?: string): CreateGuard {
  return { kind: 'read', argv: [...argv], ...(expect === undefined ? {} : { expect }) };
}

/** `ratify-runbook-run=<runId>` -> `<runId>`. */
export function runIdOf(ctx: { readonly runTag: string }): string {
  return ctx.runTag.slice(ctx.runTag.indexOf('=') + 1);
}
