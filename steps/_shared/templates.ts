import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's templates/ directory, found by walking up from this file: it sits at
 * steps/_shared/ when run from source and at dist/steps/_shared/ when built, so a fixed
 * `new URL('../templates', import.meta.url)` would be right in only one of them.
 */
export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return join(dir, 'templates');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Could not find the templates/ directory of ratify-runbook.');
    dir = parent;
  }
}

export function readTemplate(relativePath: string): Promise<string> {
  return readFile(join(templatesDir(), relativePath), 'utf8');
}
