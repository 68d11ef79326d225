/**
 * The sandbox's public API: a simulated Azure + ACR + AKS world on loopback.
 * Light to import: the server and world code load only when startSandbox runs.
 */
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import type { SandboxHandle, SandboxOptions } from './types.js';

export { parseLatency, LATENCY_FORMS, type LatencyProfile } from './latency.js';
export type { SandboxHandle, SandboxOptions } from './types.js';
export { parseFaultSpec, FAULT_KINDS, type FaultSpec, type FaultKind } from './faults.js';
export { parseSandboxTools, DEFAULT_HELM, HELM_3, HELM_4, type SandboxTools } from './config.js';
export { startOwnerProcess, serveAsOwnerProcess, type OwnerProcess } from './owner-process.js';

/**
 * Starts the world's server (or connects to the live one that owns worldDir). Throws an
 * Error naming the allowed forms on a bad latency or fault spec.
 */
export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const { start } = await import('./start.js');
  return start(options);
}

/**
 * `ratify-runbook sandbox exec -- CMD ARGS...`: runs CMD with the fake tools first on PATH and
 * the state dir's KUBECONFIG; stdout, stderr and the exit code pass through untouched.
 */
export interface ExecOptions {
  kubeconfig?: string;
  latency?: string;
  faults?: readonly string[];
  /** --sandbox-tools, e.g. `kubectl=real` or `helm=3`. */
  tools?: string;
}

export async function sandboxExec(worldDir: string, argv: readonly string[], opts: ExecOptions = {}): Promise<number> {
  if (argv.length === 0) throw new Error('sandbox exec: no command given (usage: ratify-runbook sandbox exec -- COMMAND [ARGS...])');
  const handle = await startSandbox({
    worldDir,
    ...(opts.latency ? { latency: opts.latency } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.tools ? { tools: opts.tools } : {}),
  });
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...handle.profile.toolEnv,
      PATH: [...handle.profile.toolPath, process.env.PATH ?? ''].join(delimiter),
    };
    if (opts.kubeconfig) env.KUBECONFIG = opts.kubeconfig;
    return await new Promise<number>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
      child.on('error', (e: NodeJS.ErrnoException) => {
        process.stderr.write(`sandbox exec: ${argv[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
        resolve(127);
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
    });
  } finally {
    await handle.close();
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal];
}
