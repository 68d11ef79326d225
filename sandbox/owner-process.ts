/**
 * A world's owner in a process of its own. A workshop batch runs every attendee's runbook on
 * the host's one thread; the world's work for each of their tool calls (parsing, JMESPath,
 * admission, saves) then runs on another core instead of queueing behind them. The child lives
 * until its stdin closes (its parent is done, or died: the pipe closes with it) or SIGTERM, and
 * ignores Ctrl-C, which the host handles, so the world outlives the attendees' clean shutdown.
 *
 * A single run keeps the owner in the runbook's own process: measured, an owner process (or a
 * worker thread) made an instant run no faster. Each tool call waits for its answer either way,
 * and the owner's start (a node process, ~200 ms to serve) came first.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../kernel/package-root.js';
import type { SandboxHandle, SandboxOptions } from './types.js';

/** The child's entry: bin/sandbox-owner.ts, which loads the sandbox the way the CLI does. */
const ownerEntry = (): string => join(packageRoot(), 'dist', 'bin', 'sandbox-owner.js');

/** What a running owner process gives its parent. */
export interface OwnerProcess {
  /** Ends the owner (its world flushed first) and resolves once it has exited. */
  close(): Promise<void>;
}

/**
 * Starts the owner of worldDir in a child process and resolves once it serves. Handles in this
 * process then join it as clients. When another process already owns the world, the child
 * joins that one instead, and its close() only ends the child.
 */
export async function startOwnerProcess(options: { worldDir: string; latency?: string }): Promise<OwnerProcess> {
  const child = spawn(process.execPath, [ownerEntry(), options.worldDir, ...(options.latency ? [options.latency] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('error', reject);
    void exited.then((code) => reject(new Error(stderr.trim() || `the sandbox owner process exited with code ${code}`)));
  });
  return {
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** The child's side: `sandbox-owner WORLD_DIR [LATENCY]`, with `start` the sandbox's startSandbox. */
export async function serveAsOwnerProcess(
  argv: readonly string[],
  start: (options: SandboxOptions) => Promise<SandboxHandle>,
): Promise<void> {
  const [worldDir, latency] = argv;
  if (!worldDir) {
    process.stderr.write('usage: sandbox-owner WORLD_DIR [LATENCY]\n');
    process.exit(2);
  }
  const handle = await start({ worldDir, ...(latency ? { latency } : {}) });
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
}
