import { ExitCode, RunbookError } from './errors.js';
import { writeLine, type Io } from './io.js';

/** Prints an error the way every command does (message, then what to do) and returns its exit code. */
export function reportError(io: Io, error: unknown): number {
  if (error instanceof RunbookError) {
    writeLine(io.stderr, `✖ ${error.message}`);
    for (const hint of error.hints) writeLine(io.stderr, `  → ${hint}`);
    return error.exitCode;
  }
  writeLine(io.stderr, `✖ Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  writeLine(io.stderr, '  → This is a bug in ratify-runbook. The ledger was saved; run the same command again to resume.');
  return ExitCode.stepFailed;
}
