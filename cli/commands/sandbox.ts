import { join } from 'node:path';
import { UsageError } from '../../kernel/errors.js';
import { listOption, option, parseCommandArgs } from '../args.js';
import type { Io } from '../../kernel/io.js';
import { stateDirOf } from '../state-dir.js';

/**
 * `sandbox exec [--sandbox-tools kubectl=real] -- CMD...`: CMD runs with the fake tools (or the
 * real kubectl's shim) first on PATH and the state dir's KUBECONFIG. Transparent: its stdout,
 * stderr and exit code pass through untouched.
 */
export default async function sandboxCommand(io: Io, args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'exec') throw new UsageError(`Unknown sandbox command "${sub ?? ''}".`, ['Usage: ratify-runbook sandbox exec [--state-dir DIR] -- COMMAND [ARGS...]']);
  const dash = rest.indexOf('--');
  const own = dash === -1 ? rest : rest.slice(0, dash);
  const command = dash === -1 ? [] : rest.slice(dash + 1);
  const tools = { 'sandbox-tools': { type: 'string', multiple: true } } as const;
  const parsed = parseCommandArgs('sandbox', own, { ...option.stateDir, ...tools, ...option.help });
  if (command.length === 0) throw new UsageError('sandbox exec needs a command after --.', ['Example: ratify-runbook sandbox exec -- az keyvault list -o table']);
  const stateDir = stateDirOf(io, parsed);
  const toolSpecs = listOption(parsed, 'sandbox-tools');
  const { sandboxExec, parseToolsSpec } = await import('../../sandbox/index.js');
  try {
    parseToolsSpec(toolSpecs);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return sandboxExec(join(stateDir, 'sandbox'), command, { kubeconfig: join(stateDir, 'kubeconfig'), tools: toolSpecs });
}
