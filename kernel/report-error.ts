import { ExitCode, RunbookError } from './errors.js';
import { writeLine, type Io } from './io.js';
import { renderInline } from './terminal-markdown.js';
import { chalkFor } from './terminal-style.js';

/**
 * Prints an error the way every command does (message, then what to do) and returns its exit
 * code. Hints are our own Markdown (`code`, links): rendered, never shown with their markers.
 */
export function reportError(io: Io, error: unknown): number {
  if (error instanceof RunbookError) {
    const chalk = chalkFor(io, io.stderr);
    writeLine(io.stderr, `✖ ${error.message}`);
    for (const hint of error.hints) writeLine(io.stderr, `  → ${renderInline(hint, chalk)}`);
    return error.exitCode;
  }
  writeLine(io.stderr, `✖ Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  writeLine(io.stderr, '  → This is a bug in ratify-runbook. The ledger was saved; run the same command again to resume.');
  return ExitCode.stepFailed;
}
