/**
 * A world's owner in a process of its own (`startSandboxOwnerProcess`). A workshop batch runs
 * every attendee's runbook on the host's one thread; the world's work for each of their tool
 * calls (parsing, JMESPath, admission, saves) then runs on another core instead of queueing
 * behind them. Lives until its stdin closes (the host is done) or SIGTERM; ignores Ctrl-C,
 * which the host handles, so the world outlives the attendees' clean shutdown.
 */
import { startSandbox } from './index.js';

const [worldDir, latency] = process.argv.slice(2);
if (!worldDir) {
  process.stderr.write('usage: owner-process.js WORLD_DIR [LATENCY]\n');
  process.exit(2);
}
const handle = await startSandbox({ worldDir, ...(latency ? { latency } : {}) });
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await handle.close(); // flushes the world
  process.exit(0);
};
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.stdout.write('ready\n');
