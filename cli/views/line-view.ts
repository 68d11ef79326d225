import type { ProgressView, StepPhase } from '../../runner/progress.js';
import type { Clock } from '../../kernel/clock.js';

/**
 * Progress as plain lines (no TTY: CI logs, pipes, the workshop runner): one line per event,
 * prefixed with the time and the step id, so concurrent steps stay readable.
 */
export function createLineView(write: (line: string) => void, clock: Clock): ProgressView {
  const titles = new Map<string, string>();
  const stamp = () => clock.now().toISOString().slice(11, 19);
  const words: Record<StepPhase, string> = {
    waiting: 'waiting',
    checking: 'checking',
    running: 'running',
    done: 'done',
    reused: 'done earlier, not repeated',
    failed: 'FAILED',
    skipped: 'skipped',
    interrupted: 'interrupted',
  };
  return {
    begin(steps) {
      for (const step of steps) titles.set(step.id, step.title);
    },
    phase(stepId, phase, detail) {
      const title = phase === 'checking' ? ` ${titles.get(stepId) ?? ''}` : '';
      write(`[${stamp()}] ${stepId}:${title} ${words[phase]}${detail ? ` (${detail})` : ''}`);
    },
    log(stepId, line) {
      write(`[${stamp()}] ${stepId}:   ${line}`);
    },
    async end() {},
  };
}
