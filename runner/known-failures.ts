import type { KnownFailure, Step } from './step.js';

/**
 * Failure messages users hit across steps (reference section C) mapped to their fixes; a
 * step's own `knownFailures` come first. Shown under a failed step and in the notebook.
 */
const generic: readonly KnownFailure[] = [
  { match: /Please run 'az login'/i, hint: "You are not logged in to Azure: run `az login` (or `az login --service-principal ...`), then run again." },
  { match: /command not found|ENOENT/i, hint: 'A tool is missing: run `ratify-runbook doctor` to see which, and install it.' },
  { match: /TooManyRequests|429/, hint: 'Azure throttled the request (429). Wait a minute and run again; the runbook resumes here.' },
];

export function hintsFor(step: Step, text: string): string[] {
  const hints = [...(step.knownFailures ?? []), ...generic].filter((f) => f.match.test(text)).map((f) => f.hint);
  return [...new Set(hints)];
}
