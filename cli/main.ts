import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, ExitCode } from '../kernel/errors.js';
import { packageRoot } from '../kernel/package-root.js';
import { helpAnswer } from './help.js';
import { writeLine, type Io } from '../kernel/io.js';

type CommandModule = { default: (io: Io, args: readonly string[]) => Promise<number> };

/** Each command is loaded only when used, so `--help` stays as fast as node itself. */
const commands: Record<string, () => Promise<CommandModule>> = {
  run: () => import('./commands/run.js'),
  plan: () => import('./commands/plan.js'),
  status: () => import('./commands/status.js'),
  teardown: () => import('./commands/teardown.js'),
  doctor: () => import('./commands/doctor.js'),
  export: () => import('./commands/export.js'),
  sandbox: () => import('./commands/sandbox.js'),
  workshop: () => import('./commands/workshop.js'),
  ui: () => import('./commands/ui.js'),
};

export async function main(io: Io): Promise<number> {
  const [command, ...args] = io.argv;
  try {
    const help = helpAnswer(io.argv);
    if (help) {
      io.stdout.write(help.text);
      return help.code;
    }
    if (command === '--version' || command === '-v') {
      writeLine(io.stdout, await version());
      return ExitCode.done;
    }
    const load = command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!load) throw new UsageError(`Unknown command "${command}".`, ['Run `ratify-runbook --help` for the commands.']);
    return await (await load()).default(io, args);
  } catch (error) {
    // Loaded only on the error path: it brings chalk, which `--help` does not need.
    const { reportError } = await import('../kernel/report-error.js');
    return reportError(io, error);
  }
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
