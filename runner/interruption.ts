import { InterruptedError } from '../kernel/errors.js';

/**
 * How a step ended by an interruption is told apart from a step that failed. Ctrl-C on a
 * terminal reaches the whole foreground process group: a child (az, helm) may die of the same
 * SIGINT a moment before this process sees it, and its non-zero exit must not be recorded as
 * the step's failure.
 */

/** Time the process's own signal handler gets to fire after a child's failure. */
const SIGNAL_GRACE_MS = 250;

/** What the abort carried (bin aborts with the signal's name): "SIGTERM", "Ctrl-C (SIGINT)". */
export function interruptionName(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason === 'SIGINT') return 'Ctrl-C (SIGINT)';
  if (typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason)) return reason;
  return 'an interruption';
}

/** True for an error that is itself an interruption: an abort, Ctrl-C at a prompt. */
export function isInterruption(error: unknown): boolean {
  if (error instanceof InterruptedError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'ExitPromptError' || name === 'AbortPromptError';
}

/** Resolves when `signal` aborts, or after the grace period; true when it aborted. */
export function abortedSoon(signal: AbortSignal, ms = SIGNAL_GRACE_MS): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
