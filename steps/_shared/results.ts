import type { CommandResult } from '../../runner/command-types.js';

/**
 * "Not found" from az (exit 3 for ARM 404s, exit 1 with a message for name lookups such as
 * ACR), kubectl (NotFound) and helm (release: not found).
 */
export function isNotFound(result: CommandResult): boolean {
  if (result.exitCode === 0) return false;
  if (result.exitCode === 3) return true;
  return /not found|could not be found|does not exist|NotFound|not known to registry|MANIFEST_UNKNOWN|NAME_UNKNOWN|requested data does not exist/i.test(
    result.stderr,
  );
}

/** Throws a readable error for a failed read that is not a plain "not found". */
export function failUnlessNotFound(result: CommandResult, what: string): void {
  if (result.exitCode !== 0 && !isNotFound(result)) {
    throw new Error(`${what} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}
