import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin/ratify-runbook.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  /** Set when the child was killed by a signal (a sandbox `crash` fault SIGKILLs it). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Let the command write ~/.kube (only `sandbox exec` of a tool that does so on purpose). */
  allowHomeKube?: boolean;
}

/**
 * A temporary HOME for one child: a tool that wrote ~/.kube/config (a get-credentials without
 * --file) would otherwise write the real one. The runbook never writes ~/.kube: checked after.
 */
export function withTempHome<T>(run: (home: string) => Promise<T>, allowKube = false): Promise<T> {
  const home = mkdtempSync(join(tmpdir(), 'rr-home-'));
  return run(home).then(
    (result) => {
      const touched = existsSync(join(home, '.kube'));
      rmSync(home, { recursive: true, force: true });
      if (touched && !allowKube) throw new Error("the command wrote ~/.kube (it must use the state dir's own kubeconfig)");
      return result;
    },
    (error: unknown) => {
      rmSync(home, { recursive: true, force: true });
      throw error;
    },
  );
}

/** Runs the built binary as a child process, the way a user (or CI) does: no TTY, CI set, its own HOME. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return withTempHome(
    (home) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: options.cwd ?? REPO,
          env: { ...cleanEnv(), HOME: home, CI: 'true', ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
        child.stdin.end(options.input ?? '');
      }),
    options.allowHomeKube,
  );
}

/** The test runner's environment minus anything that would leak answers (or a home) into the child. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('RATIFY_RUNBOOK_') && !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'KUBECONFIG') env[key] = value;
  }
  return env;
}
