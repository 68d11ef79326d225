/**
 * Runs one argv list as a child process. The default executor is zx: each element of the
 * argv array is interpolated, so zx quotes it on its own; no command string is ever built
 * from an answer. zx is imported lazily so `--help` never pays for it.
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
  const { $ } = await import('zx');
  const output = await $({
    env: request.env as NodeJS.ProcessEnv,
    cwd: request.cwd,
    input: request.input ?? '',
    timeout: request.timeoutMs,
    signal: request.signal,
    nothrow: true,
    quiet: true,
    verbose: false,
  })`${request.argv}`;
  const killed = output.exitCode === null;
  return {
    exitCode: output.exitCode ?? 128 + 15,
    stdout: output.stdout,
    stderr: output.stderr,
    killedBy: killed ? (request.signal.aborted ? 'abort' : 'timeout') : undefined,
  };
};
