import { UsageError } from '../kernel/errors.js';

/**
 * A run's id is its mark: the value of the `ratify-runbook-run` tag on Azure resources and
 * label on Kubernetes objects, and a word in the description of role assignments and policies.
 * A chosen one (`--run-id`) must be valid as all of them; the Kubernetes label value is the
 * strictest: at most 63 characters, letters, digits, ".", "_" and "-", starting and ending with a
 * letter or digit.
 */
const RUN_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** A `--run-id` value, or a usage error (exit 2) saying what is allowed. */
export function checkRunId(id: string): string {
  if (isValidRunId(id)) return id;
  throw new UsageError(`--run-id ${JSON.stringify(id)} cannot be a run's mark.`, [
    'Use 1 to 63 characters: letters, digits, ".", "_" and "-", starting and ending with a letter or digit',
    '(it becomes the ratify-runbook-run tag and Kubernetes label, and a word in role assignment and policy descriptions).',
  ]);
}

/** A state dir keeps the run id its ledger was created with: another one is a usage error, never a reset. */
export function verifySameRunId(recorded: string, requested: string | undefined, stateDir: string): void {
  if (requested === undefined || requested === recorded) return;
  throw new UsageError(`The state dir ${stateDir} belongs to run ${recorded}, but --run-id is ${requested}. Nothing was run.`, [
    `A state dir keeps its run id: drop --run-id (or pass ${recorded}) to go on with this run,`,
    `or use another --state-dir for run ${requested}.`,
  ]);
}
