import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The on-disk half of an image source answer (the validator checks the syntax): a value that is
 * not a git URL must be an existing directory holding a Dockerfile, or `az acr build` fails late
 * (or, given a file such as /etc/passwd, uploads it). Relative paths are read from where the
 * command runs and saved absolute, since the build itself runs in the state dir.
 */
export type DiskCheck = (value: string, cwd: string) => Promise<{ value: string } | { error: string }>;

export function isRemoteSource(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^[\w.-]+@[\w.-]+:/.test(value);
}

export const dockerBuildContext: DiskCheck = async (value, cwd) => {
  if (isRemoteSource(value)) return { value };
  const how = 'Give a git URL (https://host/org/repo.git#ref[:folder]) or a directory that holds a Dockerfile.';
  const path = resolve(cwd, value);
  const found = await stat(path).catch(() => undefined);
  if (!found) return { error: `is not a git URL, and no such directory exists (relative paths are read from ${cwd}). ${how}` };
  if (!found.isDirectory()) return { error: `is a file, not a directory: az acr build needs a build context directory. ${how}` };
  const dockerfile = await stat(join(path, 'Dockerfile')).catch(() => undefined);
  if (!dockerfile?.isFile()) return { error: `is a directory without a Dockerfile, so there is nothing to build. ${how}` };
  return { value: path };
};
