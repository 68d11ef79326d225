import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../kernel/package-root.js';

/** The package's templates/ directory. */
export const templatesDir = (): string => join(packageRoot(), 'templates');

export function readTemplate(relativePath: string): Promise<string> {
  return readFile(join(templatesDir(), relativePath), 'utf8');
}
