import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The package's own root (package.json, templates/, docs/, dist/), found by walking up from the
 * running module. That module sits at a different depth in each way ratify-runbook runs: its
 * source tree (tests), tsc's output (dist/<dir>/) and the bundled CLI (dist/bin/, every chunk in
 * one folder), so a fixed relative URL would be right in only some of them.
 */
export function packageRoot(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return (found = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Could not find the package root of ratify-runbook (is the package installed completely?).');
    dir = parent;
  }
}
