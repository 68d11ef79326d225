import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The fake tools run as separate processes from dist/ (each call is a node process start);
 * build them when dist is missing or older than their sources. The world logic itself runs
 * from source inside the test process.
 */
export function ensureToolsBuilt(): void {
  const root = join(import.meta.dirname, '..', '..');
  const src = join(root, 'sandbox', 'tools');
  const dist = join(root, 'dist', 'sandbox', 'tools');
  const stale = readdirSync(src).some((f) => {
    const out = join(dist, f.replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(src, f)).mtimeMs;
  });
  if (!stale) return;
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
      stdio: 'pipe',
    });
  } catch (error) {
    // A failed build is a failure, not something to run stale tools past.
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer | string; stderr?: Buffer | string };
    throw new Error(`building the sandbox tools failed (npx tsc -p tsconfig.build.json):\n${String(stdout)}${String(stderr)}`);
  }
  if (!existsSync(join(dist, 'az.js'))) throw new Error('building the sandbox tools emitted no dist/sandbox/tools/az.js');
}
