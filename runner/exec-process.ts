/**
 * Runs one argv list as a child process. The default executor is zx: each element of the
 * argv array is interpolated, so zx quotes it on its own; no command string is ever built
 * from an answer. zx is imported lazily so `--help` never pays for it, and only its core (`$`
 * and the process it runs), not the scripting kit (fs, glob, fetch, yaml...) that `zx` brings.
 */
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

export const execWithZx: Exec = async (request) => {
  const { $ } = await import('zx/core');
  const output = await $({
    env: request.env,
    cwd: request.cwd,
    input: request.input ?? '',
    timeout: request.timeoutMs,
    signal: request.signal,
    nothrow: true,
    quiet: true,
    verbose: false,
    // zx's default prefix, `set -euo pipefail;`, guards pipelines and variables, which one quoted
    // argv never has; without it bash runs the program in its own process instead of forking a
    // second one for it (one process fewer per tool call).
    prefix: '',
  })`${request.argv}`;
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
      const missing = error.code === 'ENOENT';
      done({ exitCode: missing ? 127 : 126, stdout, stderr: `${program}: ${missing ? 'command not found' : error.message}\n` });
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 15) : 15);
      done({ exitCode, stdout, stderr, ...(killedBy ? { killedBy } : {}) });
    });
  });
};
