/**
 * The shape of the one way steps touch the world: an argv list run through the
 * command runner (runner/command-runner.ts). Steps never build a command string.
 */

/** How a failed command should be treated by the runner's retry loop. */
export type FailureClass = 'transient' | 'propagation' | 'conflict';

export interface CommandResult {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** True when recorded in plan mode (nothing ran; stdout is a placeholder or empty). */
  readonly planned: boolean;
}

export interface RetryPolicy {
  /** Decides whether a failure is worth another attempt; undefined = permanent. */
  classify(result: CommandResult): FailureClass | undefined;
  /** Give up after this much time spent retrying (ms). */
  maxMs: number;
  /** First delay (ms); doubles each attempt up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A condition a shell can check with one command: the exported script tests it where the step
 * reads the world its own way (an ARM GET, parsed JSON). `done` guards a change (the change
 * runs only while the test fails); `until` ends a wait.
 */
export interface ShellTest {
  readonly argv: readonly string[];
  /** Exit status, or the trimmed stdout compared with a value. */
  readonly expect:
    | 'succeeds'
    | 'fails'
    | 'nonEmpty'
    | 'empty'
    | { readonly equals: string }
    | { readonly notEquals: string }
    | { readonly contains: string }
    | { readonly lacks: string }
    /** Exits non-zero and says this (stdout or stderr): a refusal with the expected message. */
    | { readonly failsWith: string };
}

export interface CommandOptions {
  /**
   * Whether the command changes the world. Read-only commands (show, list, get) are
   * `false`; the ledger and the tests use this to prove a resumed run repeats nothing.
   */
  mutates: boolean;
  /**
   * Plan mode: a read that answers "does it exist?" is assumed to find nothing (a plan
   * assumes a fresh world), so it returns exit code 3 and empty output.
   */
  probe?: boolean;
  /**
   * The output this command's stdout becomes. In plan mode the result's stdout is the
   * placeholder `<stepId.outputName>`; `plan --format sh` captures it into a variable.
   */
  capture?: string;
  /**
   * What plan mode returns as stdout when the real output is parsed rather than captured
   * (e.g. a JSON object whose unknown fields are placeholders). Default: '' (or the capture
   * placeholder).
   */
  planStdout?: string;
  /** For `plan --format sh`: the read command that guards this create (`show || create`). */
  guardedBy?: readonly string[];
  /**
   * For the exported script: the change is already made when these tests hold (all of them).
   * Consecutive commands with the same tests share one guard. Implied by guardedBy.
   */
  done?: readonly ShellTest[];
  /** Return a failed result instead of throwing CommandFailedError. */
  allowFailure?: boolean;
  /** Extra environment for the child. */
  env?: Readonly<Record<string, string>>;
  /** Names of `env` entries whose values are secrets: redacted everywhere, never in argv. */
  secretEnv?: readonly string[];
  /** stdout is a secret (e.g. `az acr login --expose-token`): redacted from every sink. */
  secretOutput?: boolean;
  /** Text for the child's stdin (never logged). */
  stdin?: string;
  /** Kill the child after this long (ms). Default: the runner's default (10 min). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Working directory (default: the state dir). */
  cwd?: string;
}

/** What a step's context exposes. */
export interface CommandRunner {
  run(argv: readonly string[], options: CommandOptions): Promise<CommandResult>;
}

export class CommandFailedError extends Error {
  readonly result: CommandResult;
  constructor(result: CommandResult, message: string) {
    super(message);
    this.name = 'CommandFailedError';
    this.result = result;
  }
}
