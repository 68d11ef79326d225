import type { CommandResult } from './command-types.js';

const notFound =
  /not found|could not be found|does not exist|NotFound|not known to registry|MANIFEST_UNKNOWN|NAME_UNKNOWN|TAG_UNKNOWN|tag unknown|requested data does not exist/i;

/**
 * "Not found" from az (exit 3 for ARM 404s, exit 1 with a message for name lookups such as
 * ACR), kubectl (NotFound) and helm (release: not found).
 */
export function isNotFound(result: Pick<CommandResult, 'exitCode' | 'stderr'>): boolean {
  if (result.exitCode === 0) return false;
  if (result.exitCode === 3) return true;
  return notFound.test(result.stderr);
}
