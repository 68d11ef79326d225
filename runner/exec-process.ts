/**
 * Runs one argv list as a child process. The default executor is zx: the argv array is
 * interpolated, so zx quotes each element on its own in the command text it keeps, and the
 * process starts from the list itself with no shell: no command string is ever built from an
 * answer, let alone parsed. zx is imported lazily so `--help` never pays for it, and only its
 * core (`$` and the process it runs), not the scripting kit (fs, glob, fetch, yaml...) that `zx` brings.
 */
import type { spawn as Spawn } from 'node:child_process';

export interface ExecRequest {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly input?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the child was killed (timeout or abort). */
  readonly killedBy?: 'timeout' | 'abort';
}

export type Exec = (request: ExecRequest) => Promise<ExecResult>;

/**
 * What a shell says when it cannot start a program (exit 127: not found, 126: not runnable), for
 * the spawn errors that stand for them; undefined for a program that ran.
 */
function startFailure(program: string, code: number | string | null | undefined): ExecResult | undefined {
  const say = (exitCode: number, why: string): ExecResult => ({ exitCode, stdout: '', stderr: `${program}: ${why}\n` });
  if (code === 'ENOENT' || code === -2) return say(127, 'command not found');
  if (code === 'EACCES' || code === -13) return say(126, 'Permission denied');
  // No ENOEXEC case: execvp hands a file the kernel cannot run to /bin/sh, as a shell would.
  return undefined;
}

/**
 * Makes one zx command with `options` as zx's defaults, and puts the defaults back before it
 * returns. zx's own way, `$(options)`, makes the command inside an AsyncLocalStorage scope (its
 * `within`), and on Node 20 the first such scope turns on V8's promise hooks for the whole process
 * and for good: from then on every promise the run makes, and the sandbox's owner in the same
 * process, calls into async_hooks. With them off, an instant sandbox run took 13 and 46 ms less
 * (medians of two A/Bs of 50 pairs on the built binary). A run that asks its questions still turns
 * them on: @inquirer/core keeps its prompts' state in such a scope. zx copies the options into
 * the command when it is made, synchronously, so nothing else runs while the defaults are changed.
 */
function withZxDefaults<T>(defaults: object, options: Record<string, unknown>, make: () => T): T {
  const before = Object.keys(options).map((key) => [key, Object.getOwnPropertyDescriptor(defaults, key)] as const);
  Object.assign(defaults, options);
  try {
    return make();
  } finally {
    for (const [key, descriptor] of before) {
      if (descriptor) Object.defineProperty(defaults, key, descriptor);
      else Reflect.deleteProperty(defaults, key);
    }
  }
}

export const execWithZx: Exec = async (request) => {
  const [{ $, defaults }, { spawn }] = await Promise.all([import('zx/core'), import('node:child_process')]);
  const [program = '', ...args] = request.argv;
  // zx would hand its quoted command text to `bash -c`; the argv list is started as is instead,
  // with no shell between: nothing in it is ever parsed, and each tool call costs one process
  // start fewer (a bash start is ~2-3 ms; a run makes dozens of calls, a workshop thousands).
  const startArgv = ((_command: string, _args: readonly string[], options: Parameters<typeof Spawn>[2]) =>
    spawn(program, args, { ...options, shell: false })) as unknown as typeof Spawn;
  const options = {
    spawn: startArgv,
    env: request.env,
    cwd: request.cwd,
    input: request.input ?? '',
    timeout: request.timeoutMs,
    signal: request.signal,
    nothrow: true,
    quiet: true,
    verbose: false,
    // No shell runs the text, so zx's bash prefix (`set -euo pipefail;`) would only mislabel it.
    prefix: '',
  };
  const output = await withZxDefaults(defaults, options, () => $`${request.argv}`);
  // A program that could not start: zx reports the spawn error's negative errno as the code.
  const failedStart = output.exitCode !== null && output.exitCode < 0 ? startFailure(program, output.exitCode) : undefined;
  if (failedStart) return failedStart;
  const killed = output.exitCode === null;
  return {
    exitCode: output.exitCode ?? 128 + 15,
    stdout: output.stdout,
    stderr: output.stderr,
    killedBy: killed ? (request.signal.aborted ? 'abort' : 'timeout') : undefined,
  };
};

/**
 * The same contract with a plain spawn and no shell: a missing program is exit 127 with the
 * shell's "command not found" text, so it works on a PATH that holds nothing but the tools
 * (doctor probes with it: a machine without bash still gets its report).
 */
export const execDirect: Exec = async (request) => {
  const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  const [program, ...args] = request.argv;
  return new Promise<ExecResult>((resolve) => {
    let stdout = '';
    let stderr = '';
    let killedBy: ExecResult['killedBy'];
    const child = spawn(program ?? '', args, { env: request.env, cwd: request.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const kill = (why: 'timeout' | 'abort') => {
      killedBy ??= why;
      child.kill('SIGTERM');
    };
    const timer = setTimeout(() => kill('timeout'), request.timeoutMs);
    const onAbort = () => kill('abort');
    request.signal.addEventListener('abort', onAbort, { once: true });
    const done = (result: ExecResult) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(request.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      done(startFailure(program ?? '', error.code) ?? { exitCode: 126, stdout, stderr: `${program}: ${error.message}\n` });
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 15) : 15);
      done({ exitCode, stdout, stderr, ...(killedBy ? { killedBy } : {}) });
    });
  });
};
