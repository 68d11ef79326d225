import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * templates/workshop/answers.yaml, found by walking up from this file: it runs from the source
 * tree (tests) and from dist/ (the built CLI), at different depths below the package root.
 */
export function defaultTemplatePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'templates', 'workshop', 'answers.yaml');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Could not find templates/workshop/answers.yaml of ratify-runbook (is the package installed completely?).');
    dir = parent;
  }
}

export async function readDefaultTemplate(): Promise<{ text: string; origin: string }> {
  return { text: await readFile(defaultTemplatePath(), 'utf8'), origin: 'templates/workshop/answers.yaml' };
}
