/**
 * The error taxonomy and the exit codes (README.md, "CLI").
 * bin/ maps any thrown error to a code through exitCodeOf(); everything else just throws.
 */
export const ExitCode = {
  done: 0,
  stepFailed: 1,
  usage: 2,
  missingAnswers: 3,
  locked: 4,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can fix; its message says how. */
export class RunbookError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Extra lines printed under the message (what to do next). */
  readonly hints: readonly string[];
  constructor(message: string, exitCode: ExitCodeValue, hints: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hints = hints;
  }
}

/** Bad flags, unknown step ids, a foreign or corrupt ledger: nothing was run (exit 2). */
export class UsageError extends RunbookError {
  constructor(message: string, hints: readonly string[] = []) {
    super(message, ExitCode.usage, hints);
  }
}

/** Another process holds the state dir's lock (exit 4). */
export class LockedError extends RunbookError {
  constructor(message: string, hints: readonly string[] = []) {
    super(message, ExitCode.locked, hints);
  }
}

/** A step failed; the ledger says which, and the next `run` resumes there (exit 1). */
export class StepFailedError extends RunbookError {
  readonly stepId: string;
  constructor(stepId: string, message: string, hints: readonly string[] = []) {
    super(message, ExitCode.stepFailed, hints);
    this.stepId = stepId;
  }
}

/** Ctrl-C or SIGTERM: the running step is marked interrupted (exit 130). */
export class InterruptedError extends RunbookError {
  constructor(message = 'Interrupted. Run the same command again to resume where it stopped.') {
    super(message, ExitCode.interrupted);
  }
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof RunbookError ? error.exitCode : ExitCode.stepFailed;
}
