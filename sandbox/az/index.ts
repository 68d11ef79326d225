import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ToolError, type ToolResult } from '../tool-result.js';
import type { ToolContext } from '../tool-context.js';
import { accountCommands } from './account.js';
import { acrCommands } from './acr/index.js';
import { aksCommands } from './aks/index.js';
import { bool, parseArgs, str } from './args.js';
import type { AzCtx } from './context.js';
import { cliError, usageError } from './errors.js';
import { identityCommands } from './identity.js';
import { keyvaultCommands } from './keyvault/index.js';
import { applyQuery, render } from './output.js';
import { policyCommands } from './policy.js';
import type { AzCommand } from './registry.js';
import { resourceCommands } from './resource.js';
import { roleCommands } from './role.js';

const COMMANDS: AzCommand[] = [
  ...accountCommands,
  ...keyvaultCommands,
  ...roleCommands,
  ...resourceCommands,
  ...identityCommands,
  ...acrCommands,
  ...aksCommands,
  ...policyCommands,
].sort((x, y) => y.path.split(' ').length - x.path.split(' ').length);

function findCommand(args: readonly string[]): { cmd: AzCommand; rest: string[] } | undefined {
  for (const cmd of COMMANDS) {
    const words = cmd.path.split(' ');
    if (words.every((w, i) => args[i] === w)) return { cmd, rest: args.slice(words.length) };
  }
  return undefined;
}

function groupHelp(prefix: string[]): string {
  const subs = new Set<string>();
  for (const c of COMMANDS) {
    const w = c.path.split(' ');
    if (prefix.every((p, i) => w[i] === p) && w.length > prefix.length) subs.add(w[prefix.length]!);
  }
  return `\nGroup\n    az ${prefix.join(' ')}\n\nSubgroups/Commands:\n${[...subs]
    .sort()
    .map((s) => `    ${s}`)
    .join('\n')}\n`;
}

export async function runAz(t: ToolContext, args: readonly string[]): Promise<ToolResult> {
  let stdout = '';
  let stderr = '';
  try {
    if (args.length === 0 || args[0] === '--help' || args[0] === '-h') return { stdout: groupHelp([]), stderr: '', exitCode: 0 };
    if (args[0] === '--version')
      return {
        stdout:
          'azure-cli                         2.67.0\n\ncore                              2.67.0\ntelemetry                          1.1.0\n',
        stderr: '',
        exitCode: 0,
      };
    const found = findCommand(args);
    if (!found) {
      let depth = 0;
      while (
        depth < args.length &&
        COMMANDS.some(
          (c) =>
            c.path
              .split(' ')
              .slice(0, depth + 1)
              .join(' ') === args.slice(0, depth + 1).join(' '),
        )
      )
        depth++;
      const word = args[depth];
      if (word === undefined || word === '--help' || word === '-h')
        return { stdout: groupHelp(args.slice(0, depth)), stderr: '', exitCode: 0 };
      throw usageError(`'${word}' is misspelled or not recognized by the system.`);
    }
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      return {
        stdout: `\nCommand\n    az ${found.cmd.path}\n\nArguments\n${found.cmd.args.map((s) => `    ${s.names.split(' ').join(' ')}${s.required ? ' [Required]' : ''}`).join('\n')}\n`,
        stderr: '',
        exitCode: 0,
      };
    }
    const parsed = parseArgs(found.cmd.path, found.rest, found.cmd.args);
    const subArg = str(parsed, 'subscription');
    const world = t.world;
    const sub = subArg
      ? Object.values(world.subscriptions).find(
          (s) => s.id.toLowerCase() === subArg.toLowerCase() || s.name.toLowerCase() === subArg.toLowerCase(),
        )
      : world.subscriptions[world.defaultSubscription];
    if (!sub) throw cliError(`Subscription '${subArg}' not found. Check the spelling and casing and try again.`);
    const quiet = bool(parsed, 'onlyShowErrors') ?? false;
    const ctx: AzCtx = {
      ...t,
      sub,
      caller: world.user,
      warn: (m) => {
        if (!quiet) stderr += `WARNING: ${m}\n`;
      },
      stderrRaw: (text) => {
        stderr += text;
      },
      stdoutRaw: (text) => {
        stdout += text;
      },
      now: () => t.clock.now(),
      readFile: (p) => readFileSync(resolve(t.cwd, p), 'utf8'),
    };
    const result = await found.cmd.run(ctx, parsed);
    const shaped = applyQuery(result === undefined ? null : result, str(parsed, 'query'));
    stdout += render(shaped, str(parsed, 'output') ?? 'json');
    return { stdout, stderr, exitCode: 0 };
  } catch (e) {
    if (e instanceof ToolError) return { stdout: stdout + e.stdout, stderr: stderr + e.message, exitCode: e.exitCode };
    throw e;
  }
}
