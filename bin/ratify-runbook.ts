#!/usr/bin/env node
// Thin entry: wire the real process into the CLI and turn its result into the exit code.
import { helpAnswer } from '../cli/help.js';
import { loadCli } from '../cli/load-cli.js';

const controller = new AbortController();
let interrupts = 0;
/**
 * First Ctrl-C or SIGTERM: stop cleanly (running steps are marked interrupted, naming the
 * signal, and the ledger is saved; exit 130). Second: the user means it, exit 130 at once.
 */
const interrupt = (signal: string) => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after saving the ledger (press again to force)...\n`);
  controller.abort(signal);
};
process.on('SIGINT', () => interrupt('SIGINT'));
process.on('SIGTERM', () => interrupt('SIGTERM'));

// A reader that went away (`status | head -1`) is not an error: stop quietly, as cat does. Work
// in progress stops as on a signal (a run saves its ledger); output commands just finish, exit 0.
let outputGone = false;
const onOutputError = (error: NodeJS.ErrnoException) => {
  if (outputGone) return; // later writes to the closed pipe fail the same way
  if (error.code !== 'EPIPE') throw error;
  outputGone = true;
  controller.abort('SIGPIPE');
};
process.stdout.on('error', onOutputError);
process.stderr.on('error', onOutputError);

/** Help is answered from its texts alone, before the rest of the CLI is loaded. */
async function run(argv: string[]): Promise<number> {
  const help = helpAnswer(argv);
  if (help) {
    process.stdout.write(help.text);
    return help.code;
  }
  const { main } = await loadCli();
  return main({
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: controller.signal,
    interrupt,
  });
}

const code = await run(process.argv.slice(2));
process.exitCode = code;
// Prompts or a sandbox server may keep handles open; the work is saved, so leave now.
setImmediate(() => process.exit(code));
