import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own root, found by walking up from this file: ui/ when run from source and
 * dist/ui/ when built, so a fixed relative URL would be right in only one of them. The browser
 * assets and the docs are served from here, never from a CDN.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'ui', 'assets'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Could not find the ui/assets/ directory of ratify-runbook.');
    dir = parent;
  }
}

export const assetsDir = (): string => join(packageRoot(), 'ui', 'assets');
export const docsDir = (): string => join(packageRoot(), 'docs');
