/**
 * Reads an attendee's stderr as the runbook's line view prints it (cli/views/line-view.ts):
 *   [hh:mm:ss] <stepId>: [<title>] <phase words> [(detail)]
 *   [hh:mm:ss] <stepId>:   <log line>
 * and the error report of cli/main.ts reportError: "✖ message" then "  → hint" lines.
 * The workshop never reaches into a run: this text is the one interface, as for a human.
 */
import type { StepPhase } from '../runner/progress.js';

export type ProgressLine =
  | { readonly kind: 'phase'; readonly stepId: string; readonly phase: StepPhase; readonly detail?: string }
  | { readonly kind: 'log'; readonly stepId: string; readonly text: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'hint'; readonly text: string };

const phaseWords: readonly [string, StepPhase][] = [
  ['done earlier, not repeated', 'reused'],
  ['waiting', 'waiting'],
  ['checking', 'checking'],
  ['running', 'running'],
  ['done', 'done'],
  ['FAILED', 'failed'],
  ['skipped', 'skipped'],
  ['interrupted', 'interrupted'],
];

const phasePattern = new RegExp(`^(?:.*? )?(${phaseWords.map(([w]) => w).join('|')})(?: \\((.*))?$`);
const stepLine = /^\[\d\d:\d\d:\d\d\] ([A-Za-z0-9_-]+):(.*)$/;

export function parseProgressLine(line: string): ProgressLine | undefined {
  const step = stepLine.exec(line);
  if (step) {
    const stepId = step[1] ?? '';
    const rest = step[2] ?? '';
    if (rest.startsWith('   ')) return { kind: 'log', stepId, text: rest.slice(3) };
    // Title (checking only), the phase words, then an optional "(detail)". A multi-line detail
    // (an error message) arrives without its closing parenthesis: the rest comes as plain lines.
    const match = phasePattern.exec(rest);
    if (match) {
      const phase = phaseWords.find(([words]) => words === match[1])?.[1];
      const detail = match[2]?.replace(/\)$/, '');
      if (phase) return detail ? { kind: 'phase', stepId, phase, detail } : { kind: 'phase', stepId, phase };
    }
    return undefined;
  }
  if (line.startsWith('✖ ')) return { kind: 'error', message: line.slice(2).trim() };
  if (line.startsWith('  → ')) return { kind: 'hint', text: line.slice(4).trim() };
  return undefined;
}
