import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../kernel/package-root.js';

/** templates/workshop/answers.yaml of the package. */
export function defaultTemplatePath(): string {
  const path = join(packageRoot(), 'templates', 'workshop', 'answers.yaml');
  if (!existsSync(path))
    throw new Error('Could not find templates/workshop/answers.yaml of ratify-runbook (is the package installed completely?).');
  return path;
}

export async function readDefaultTemplate(): Promise<{ text: string; origin: string }> {
  return { text: await readFile(defaultTemplatePath(), 'utf8'), origin: 'templates/workshop/answers.yaml' };
}
