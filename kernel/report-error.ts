import { ExitCode, RunbookError } from './errors.js';
import { writeLine, type Io } from './io.js';
import { printable } from './printable.js';
import { renderInline } from './terminal-markdown.js';
import { chalkFor } from './terminal-style.js';

/**
 * Prints an error the way every command does (message, then what to do) and returns its exit
 * code. Hints are our own Markdown (`code`, links): rendered, never shown with their markers.
 */
export function reportError(io: Io, error: unknown): number {
  if (error instanceof RunbookError) {
    // Messages quote values people typed: escape what would act on the terminal (ESC, bidi marks)
    // before our own styling is added.
    const chalk = chalkFor(io, io.stderr);
    writeLine(io.stderr, `✖ ${printable(error.message)}`);
    for (const hint of error.hints) writeLine(io.stderr, `  → ${renderInline(printable(hint), chalk)}`);
    return error.exitCode;
  }
  writeLine(io.stderr, `✖ Unexpected error: ${printable(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  writeLine(io.stderr, '  → This is a bug in ratify-runbook. The ledger was saved; run the same command again to resume.');
  return ExitCode.stepFailed;
}
