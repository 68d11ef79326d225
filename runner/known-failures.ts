import type { KnownFailure, Step } from './step.js';

/**
 * Failure messages users hit in any step, mapped to their fixes; a step's own
 * `knownFailures` come first. Shown under a failed step and in the notebook, each followed
 * by its entry in docs/troubleshooting.md.
 */
export const genericKnownFailures: readonly KnownFailure[] = [
  {
    match: /Please run 'az login'/i,
    hint: 'You are not logged in to Azure: run `az login` (or `az login --service-principal ...`), then run again.',
    see: 'docs/troubleshooting.md#not-logged-in',
  },
  {
    match: /command not found|ENOENT/i,
    hint: 'A tool is missing: run `ratify-runbook doctor` to see which, and install it.',
    see: 'docs/troubleshooting.md#tool-missing',
  },
  {
    match: /TooManyRequests|429/,
    hint: 'Azure throttled the request (429). Wait a minute and run again; the runbook resumes here.',
    see: 'docs/troubleshooting.md#throttled',
  },
];

/** The hint text shown for a known failure: the fix, then where it is explained. */
export function hintText(failure: KnownFailure): string {
  return `${failure.hint} See ${failure.see}`;
}

export function hintsFor(step: Step, text: string): string[] {
  const hints = [...(step.knownFailures ?? []), ...genericKnownFailures].filter((f) => f.match.test(text)).map(hintText);
  return [...new Set(hints)];
}
