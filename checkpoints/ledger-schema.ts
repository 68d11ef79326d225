import type { CreatedResource, PendingCreate } from '../kernel/created-resource.js';

/**
 * The ledger (`<state-dir>/state.json`): what each step did, what it produced and what it
 * created. Versioned; validated on load; never silently reset.
 */
export const LEDGER_SCHEMA = 'ratify-runbook/ledger';
export const LEDGER_VERSION = 1;

export const stepStatuses = ['pending', 'running', 'done', 'failed', 'interrupted', 'skipped'] as const;
export type StepStatus = (typeof stepStatuses)[number];

/** Where the runbook acts: the sandbox, or one Azure tenant + subscription. */
export type Target =
  { readonly kind: 'sandbox' } | { readonly kind: 'azure'; readonly tenantId?: string; readonly subscriptionId?: string };

export interface CommandRecord {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly ms: number;
  readonly mutates: boolean;
  readonly attempt: number;
  /** Trimmed, redacted output for the notebook ('***' for a secret output). */
  readonly output?: string;
}

export interface StepRecord {
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  outputs: Record<string, string>;
  error?: string;
  hints?: string[];
  skipReason?: string;
  /** answer key -> sha256 of the value used when the step last succeeded (re-check on change). */
  answersUsed: Record<string, string>;
  /** Everything this step ever created, across attempts (teardown removes these by id). */
  created: CreatedResource[];
  /**
   * Write-ahead records: what a mutating command of this step was about to create when the
   * ledger was last saved. Resolved (recorded as created, or dropped) on resume and teardown.
   */
  pending?: (PendingCreate & { at: string })[];
  /** Commands of the latest attempt (redacted). */
  commands: CommandRecord[];
  /** Log files (relative to the state dir), one per attempt. */
  logs: string[];
}

export interface LedgerData {
  schema: typeof LEDGER_SCHEMA;
  version: typeof LEDGER_VERSION;
  runId: string;
  createdAt: string;
  updatedAt: string;
  target: Target;
  steps: Record<string, StepRecord>;
  /** Teardown progress, so an interrupted teardown resumes too. */
  teardown?: { status: StepStatus; startedAt?: string; endedAt?: string; removed: string[]; error?: string };
}

export function emptyStepRecord(): StepRecord {
  return { status: 'pending', attempts: 0, outputs: {}, answersUsed: {}, created: [], commands: [], logs: [] };
}

/** Returns the problems with `value` as a ledger (empty when valid). */
export function ledgerProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(value)) return ['the top level is not a JSON object'];
  if (value.schema !== LEDGER_SCHEMA) problems.push(`"schema" is ${JSON.stringify(value.schema)}, expected "${LEDGER_SCHEMA}"`);
  if (typeof value.runId !== 'string' || !value.runId) problems.push('"runId" is missing');
  if (!isTarget(value.target)) problems.push('"target" is not {kind: "sandbox"} or {kind: "azure", ...}');
  if (!isObject(value.steps)) {
    problems.push('"steps" is not an object');
  } else {
    for (const [id, record] of Object.entries(value.steps)) {
      const why = stepRecordProblem(record);
      if (why) problems.push(`step "${id}": ${why}`);
    }
  }
  return problems;
}

function stepRecordProblem(record: unknown): string | undefined {
  if (!isObject(record)) return 'not an object';
  if (!(stepStatuses as readonly unknown[]).includes(record.status)) return `unknown status ${JSON.stringify(record.status)}`;
  if (typeof record.attempts !== 'number') return '"attempts" is not a number';
  if (!isStringMap(record.outputs)) return '"outputs" is not a map of strings';
  if (!isStringMap(record.answersUsed)) return '"answersUsed" is not a map of strings';
  if (!Array.isArray(record.created) || !record.created.every((c) => isObject(c) && typeof c.kind === 'string' && typeof c.id === 'string'))
    return '"created" is not a list of {kind, id}';
  if (record.pending !== undefined && !(Array.isArray(record.pending) && record.pending.every(isPending))) {
    return '"pending" is not a list of {kind, guard}';
  }
  if (!Array.isArray(record.commands)) return '"commands" is not a list';
  if (!Array.isArray(record.logs)) return '"logs" is not a list';
  return undefined;
}

function isPending(value: unknown): boolean {
  if (!isObject(value) || typeof value.kind !== 'string' || !isObject(value.guard)) return false;
  const guard = value.guard;
  if (guard.kind === 'arm') return typeof guard.id === 'string' && typeof guard.apiVersion === 'string';
  return guard.kind === 'read' && Array.isArray(guard.argv) && guard.argv.every((a) => typeof a === 'string');
}

function isTarget(value: unknown): value is Target {
  if (!isObject(value)) return false;
  if (value.kind === 'sandbox') return true;
  return value.kind === 'azure';
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
