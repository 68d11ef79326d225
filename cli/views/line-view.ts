import type { RunEvent, StepPhase } from '../../runner/progress-events.js';
import type { ProgressView } from './view.js';

const words: Record<StepPhase, string> = {
  checking: 'checking',
  running: 'running',
  done: 'done',
  reused: 'done earlier, not repeated',
  failed: 'FAILED',
  skipped: 'skipped',
  interrupted: 'interrupted',
};

/**
 * Progress as plain lines (no TTY: CI logs, pipes, a workshop attendee's transcript): one line
 * per step change or log line, prefixed with the time and the step id, so concurrent steps stay
 * readable. For people only: programs read the events (or `status --json`), never these lines.
 */
export function createLineView(write: (line: string) => void): ProgressView {
  const titles = new Map<string, string>();
  const onEvent = (event: RunEvent) => {
    const stamp = `[${event.at.slice(11, 19)}]`;
    if (event.type === 'run-start') for (const step of event.steps) titles.set(step.id, step.title);
    if (event.type === 'log') write(`${stamp} ${event.stepId}:   ${event.line}`);
    if (event.type !== 'step') return;
    const title = event.phase === 'checking' ? ` ${titles.get(event.stepId) ?? ''}` : '';
    const detail = event.phase === 'failed' || event.phase === 'interrupted' ? event.error : event.reason;
    write(`${stamp} ${event.stepId}:${title} ${words[event.phase]}${detail ? ` (${detail})` : ''}`);
  };
  return { onEvent, idle: async () => {} };
}
