import type { CommandResult } from '../../runner/command-types.js';
import { isNotFound } from '../../runner/not-found.js';

export { isNotFound };

/** Throws a readable error for a failed read that is not a plain "not found". */
export function failUnlessNotFound(result: CommandResult, what: string): void {
  if (result.exitCode !== 0 && !isNotFound(result)) {
    throw new Error(`${what} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}
