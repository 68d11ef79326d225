import type { ToolResult } from '../tool-result.js';
import { type ClusterOps, manifestObjects, removeObject } from './cluster-ops.js';
import { fail, ok } from './common.js';
import type { Parsed } from './flags.js';
import { forget, latest } from './release-store.js';

/** `helm uninstall` (alias `delete`): removes the release's objects, newest first, and its stored revisions. */
export async function uninstall(p: Parsed, ops: ClusterOps, ns: string, rest: string[]): Promise<ToolResult> {
  const name = rest[0]!;
  const rel = await latest(ops.client, ns, name);
  if (!rel) {
    if (p.flags.get('--ignore-not-found') === 'true') return ok('');
    throw fail(`uninstall: Release not loaded: ${name}: release: not found`);
  }
  // Hooks (KMP, Verifier, Store, Policy, Provider) and CRDs are not part of the release: they stay (docs/errata.md#teardown).
  for (const o of manifestObjects(rel.manifest).reverse()) await removeObject(ops, o);
  await forget(ops.client, rel);
  return ok(`release "${name}" uninstalled\n`);
}
