import type { ToolContext } from '../tool-context.js';
import type { ToolResult } from '../tool-result.js';

export async function runKubectl(_t: ToolContext, _argv: readonly string[]): Promise<ToolResult> {
  return { stdout: '', stderr: 'not yet\n', exitCode: 1 };
}
