import { loadSandbox } from '../bundled-module.js';
import { join } from 'node:path';
import { UsageError } from '../../kernel/errors.js';
import { option, parseCommandArgs, stringOption } from '../args.js';
import { parseSandboxTools } from '../../sandbox/config.js';
import type { Io } from '../../kernel/io.js';
import { stateDirOf } from '../state-dir.js';

/**
 * `sandbox exec [--sandbox-tools kubectl=real] -- CMD...`: CMD runs with the fake tools (or the
 * real kubectl's shim) first on PATH and the state dir's KUBECONFIG. Transparent: its stdout,
 * stderr and exit code pass through untouched.
 */
export default async function sandboxCommand(io: Io, args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'exec')
    throw new UsageError(`Unknown sandbox command "${sub ?? ''}".`, [
      'Usage: ratify-runbook sandbox exec [--state-dir DIR] -- COMMAND [ARGS...]',
    ]);
  const dash = rest.indexOf('--');
  const own = dash === -1 ? rest : rest.slice(0, dash);
  const command = dash === -1 ? [] : rest.slice(dash + 1);
  const parsed = parseCommandArgs('sandbox', own, { ...option.stateDir, 'sandbox-tools': { type: 'string' }, ...option.help });
  const tools = stringOption(parsed, 'sandbox-tools');
  if (tools !== undefined) {
    try {
      parseSandboxTools(tools);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (command.length === 0)
    throw new UsageError('sandbox exec needs a command after --.', ['Example: ratify-runbook sandbox exec -- az keyvault list -o table']);
  const stateDir = stateDirOf(io, parsed);
  const { sandboxExec } = await loadSandbox();
  return sandboxExec(join(stateDir, 'sandbox'), command, { kubeconfig: join(stateDir, 'kubeconfig'), ...(tools ? { tools } : {}) });
}
