import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Call {
  argv: string[];
  exitCode: number;
  ms: number;
  step: string;
}

const logOf = (stateDir: string) => join(stateDir, 'sandbox', 'calls.jsonl');

/**
 * The sandbox's call log. A missing or unreadable log is an error, never an empty list: a
 * test asserting "no mutating call" must not pass because nothing was logged at all.
 */
export async function readCalls(stateDir: string): Promise<Call[]> {
  const text = await readFile(logOf(stateDir), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call);
}

/** Lines in the call log; 0 only when no tool was ever called (the log does not exist). */
export async function callCount(stateDir: string): Promise<number> {
  try {
    return (await readCalls(stateDir)).length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

const readVerbs = new Set([
  'show',
  'list',
  'list-deleted',
  'list-versions',
  'list-referrers',
  'list-metadata',
  'show-metadata',
  'show-tags',
  'version',
  'get-access-token',
  'check-acr',
  'exists',
  'download',
]);

/**
 * Whether a logged tool call changes the simulated world, judged from its command path the way
 * a reader of the blog would (show/list/get are reads; create/update/sign/install are not).
 * Only the command's own words count: flag values such as `--certificate-permissions create get`
 * are not verbs.
 */
export function isMutating(argv: readonly string[]): boolean {
  const [tool, ...rest] = argv;
  const firstFlag = rest.findIndex((a) => a.startsWith('-'));
  const path = firstFlag < 0 ? rest : rest.slice(0, firstFlag);
  if (tool === 'az') {
    if (path[0] === 'acr' && path[1] === 'login') return false; // --expose-token reads a token
    if (path[0] === 'account' || path[0] === 'version' || (path[0] === 'extension' && path[1] === 'list')) return false;
    if (path[0] === 'policy' && path[1] === 'state') return false;
    // Writes the caller's kubeconfig file, not the cloud.
    if (path[0] === 'aks' && path[1] === 'get-credentials') return false;
    return !readVerbs.has(path.at(-1) ?? '');
  }
  if (tool === 'notation') return path[0] === 'sign' || (path[0] === 'plugin' && path[1] === 'install');
  if (tool === 'helm') return ['install', 'upgrade', 'uninstall'].includes(path[0] ?? '');
  if (tool === 'kubectl') {
    // A server-side dry run goes through admission but stores nothing.
    if (rest.some((a) => a === '--dry-run=server' || a === '--dry-run=client')) return false;
    return !['get', 'logs', 'version', 'wait', 'rollout', 'auth', 'config', 'describe'].includes(path[0] ?? '');
  }
  // kubelogin reads tokens or rewrites the local kubeconfig file.
  if (tool === 'kubelogin') return false;
  return true;
}
