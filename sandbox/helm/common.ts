import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';

/** What every helm verb shares: its error form (`Error: <msg>` on stderr, exit 1), a plain success, where repos live. */

export const fail = (msg: string): ToolError => new ToolError(`Error: ${msg}\n`, 1);

export const ok = (stdout: string): ToolResult => ({ stdout, stderr: '', exitCode: 0 });

/** helm keeps one repositories.yaml per HELM_REPOSITORY_CONFIG (or HOME): the sandbox keys the added repos the same way. */
export function repoKey(t: ToolContext): string {
  return t.env.HELM_REPOSITORY_CONFIG ?? (t.env.HOME ? `${t.env.HOME}/.config/helm/repositories.yaml` : 'default');
}
