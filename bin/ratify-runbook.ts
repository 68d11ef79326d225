#!/usr/bin/env node
// Thin entry: wire the real process into the CLI and turn its result into the exit code.
import { main } from '../cli/main.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  // First Ctrl-C: stop cleanly (the running step is marked interrupted, the ledger saved).
  // Second: the user means it.
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after saving the ledger (press again to force)...\n`);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
});
process.exitCode = code;
// Prompts or a sandbox server may keep handles open; the work is saved, so leave now.
setImmediate(() => process.exit(code));
