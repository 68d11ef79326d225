import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Call {
  argv: string[];
  exitCode: number;
  ms: number;
  step: string;
}

export async function readCalls(stateDir: string): Promise<Call[]> {
  try {
    const text = await readFile(join(stateDir, 'sandbox', 'calls.jsonl'), 'utf8');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Call);
  } catch {
    return [];
  }
}

const readVerbs = new Set(['show', 'list', 'list-deleted', 'list-versions', 'list-referrers', 'show-metadata', 'version', 'get-access-token', 'check-acr', 'ls', 'inspect', 'get', 'logs', 'status']);

/**
 * Whether a logged tool call changes the simulated world, judged from its argv the way a
 * reader of the blog would (show/list/get are reads; create/update/sign/install are not).
 */
export function isMutating(argv: readonly string[]): boolean {
  const [tool, ...rest] = argv;
  const words = rest.filter((a) => !a.startsWith('-'));
  if (tool === 'az') {
    if (words[0] === 'acr' && words[1] === 'login') return false; // --expose-token reads a token
    if (words[0] === 'account' || words[0] === 'version' || words[0] === 'extension' && words[1] === 'list') return false;
    // Writes the caller's kubeconfig file, not the cloud.
    if (words[0] === 'aks' && words[1] === 'get-credentials') return false;
    return !words.some((w) => readVerbs.has(w));
  }
  if (tool === 'notation') return words[0] === 'sign' || (words[0] === 'plugin' && words[1] === 'install');
  if (tool === 'helm') return ['install', 'upgrade', 'uninstall'].includes(words[0] ?? '');
  if (tool === 'kubectl') {
    // A server-side dry run goes through admission but stores nothing.
    if (rest.some((a) => a === '--dry-run=server' || a === '--dry-run=client')) return false;
    return !['get', 'logs', 'version', 'wait', 'rollout'].includes(words[0] ?? '') && !(words[0] === 'auth');
  }
  // kubelogin reads tokens or rewrites the local kubeconfig file.
  if (tool === 'kubelogin') return false;
  return true;
}
