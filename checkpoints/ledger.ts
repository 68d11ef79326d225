import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { UsageError } from '../kernel/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { readIfExists } from './read-if-exists.js';
import {
  LEDGER_SCHEMA,
  LEDGER_VERSION,
  emptyStepRecord,
  ledgerProblems,
  type LedgerData,
  type StepRecord,
  type Target,
} from './ledger-schema.js';

export const LEDGER_FILE = 'state.json';

export function ledgerPath(stateDir: string): string {
  return join(stateDir, LEDGER_FILE);
}

/**
 * Reads the ledger. A missing file means "nothing ran yet" (undefined). A corrupt file, a
 * file from an unknown version or of another shape is an error (exit 2) and the file is
 * left exactly as it is: the ledger is never silently reset.
 */
export async function readLedger(stateDir: string): Promise<LedgerData | undefined> {
  const path = ledgerPath(stateDir);
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`The ledger ${path} cannot be read (${code})${code === 'EISDIR' ? ': it is a directory, not a file' : ''}.`, [
      'Nothing was run and nothing was changed.',
      code === 'EISDIR' ? `Move ${path} out of the way (or use another --state-dir).` : `Check the permissions of ${path}.`,
    ]);
  }
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The ledger ${path} is not valid JSON (${(error as Error).message}).`, [
      'Nothing was run and the file was left untouched.',
      'Restore it from a backup, or move it away to start over (the resources it recorded will not be torn down then).',
    ]);
  }
  const version = (parsed as { version?: unknown } | null)?.version;
  if (typeof parsed === 'object' && parsed !== null && version !== LEDGER_VERSION) {
    throw new UsageError(
      `The ledger ${path} has version ${JSON.stringify(version)}; this ratify-runbook reads version ${LEDGER_VERSION}.`,
      ['Nothing was run and the file was left untouched.', 'Use the ratify-runbook version that wrote it.'],
    );
  }
  const problems = ledgerProblems(parsed);
  if (problems.length > 0) {
    throw new UsageError(`The ledger ${path} is not a ratify-runbook ledger: ${problems.join('; ')}.`, [
      'Nothing was run and the file was left untouched.',
    ]);
  }
  return parsed as LedgerData;
}

export function newLedger(target: Target, now: Date, runId: string = randomUUID().slice(0, 8)): LedgerData {
  const at = now.toISOString();
  return { schema: LEDGER_SCHEMA, version: LEDGER_VERSION, runId, createdAt: at, updatedAt: at, target, steps: {} };
}

export async function writeLedger(stateDir: string, data: LedgerData, now: Date, durable = true): Promise<void> {
  data.updatedAt = now.toISOString();
  const text = `${JSON.stringify(data, null, 2)}\n`;
  // The state dir exists after the first save: a run saves dozens of times, so make it only
  // when the write finds it missing (first save, or a dir removed under a running run).
  try {
    await writeFileAtomic(ledgerPath(stateDir), text, 0o644, durable);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(stateDir, { recursive: true });
    await writeFileAtomic(ledgerPath(stateDir), text, 0o644, durable);
  }
}

export function stepRecord(data: LedgerData, stepId: string): StepRecord {
  let record = data.steps[stepId];
  if (!record) {
    record = emptyStepRecord();
    data.steps[stepId] = record;
  }
  return record;
}

export function describeTarget(target: Target): string {
  if (target.kind === 'sandbox') return 'the sandbox';
  const parts = [target.subscriptionId && `subscription ${target.subscriptionId}`, target.tenantId && `tenant ${target.tenantId}`];
  return `Azure ${parts.filter(Boolean).join(', ') || '(subscription not yet known)'}`;
}

/**
 * A command aimed at another target than the ledger's (e.g. teardown without --sandbox on a
 * sandbox state dir, or another subscription) must run nothing (exit 2).
 */
export function verifySameTarget(recorded: Target, requested: Target, stateDir: string): void {
  const mismatch =
    recorded.kind !== requested.kind ||
    (recorded.kind === 'azure' &&
      requested.kind === 'azure' &&
      ((recorded.subscriptionId && requested.subscriptionId && recorded.subscriptionId !== requested.subscriptionId) ||
        (recorded.tenantId && requested.tenantId && recorded.tenantId !== requested.tenantId)));
  if (!mismatch) return;
  const hint =
    recorded.kind === 'sandbox'
      ? 'Add --sandbox to act on the simulated world this state dir belongs to.'
      : requested.kind === 'sandbox'
        ? 'Drop --sandbox: this state dir belongs to a real Azure run.'
        : 'Use the subscription the ledger names, or another --state-dir for the other subscription.';
  throw new UsageError(
    `The state dir ${stateDir} belongs to ${describeTarget(recorded)}, but this command targets ${describeTarget(requested)}. Nothing was run.`,
    [hint],
  );
}
