/**
 * The GitHub Actions job summary of one attendee: a headline with the outcome, the step table of
 * `status --json`, the failure with its hints and how to resume. Markdown for $GITHUB_STEP_SUMMARY.
 */
import type { Target } from '../checkpoints/ledger-schema.js';
import { describeTarget } from '../checkpoints/ledger.js';

/** The parts of `status --json` the summary reads. */
export interface StatusDocument {
  readonly target: Target | null;
  readonly runId: string | null;
  readonly steps: readonly {
    readonly id: string;
    readonly status: string;
    readonly attempts: number;
    readonly startedAt: string | null;
    readonly endedAt: string | null;
    readonly outputs: Readonly<Record<string, string>>;
    readonly error: string | null;
    readonly skipReason?: string;
    readonly hints?: readonly string[];
  }[];
}

export interface TeardownRecord {
  readonly status: string;
  readonly removed: readonly string[];
  readonly error?: string | undefined;
}

export interface JobSummaryInput {
  readonly workflow: 'run' | 'teardown';
  readonly attendee: string;
  /** The outcome of the job's runbook step: success, failure, cancelled or skipped. */
  readonly outcome: string;
  /** undefined when `status --json` printed nothing readable. */
  readonly status: StatusDocument | undefined;
  readonly teardown?: TeardownRecord | undefined;
  /** The mark a teardown with no saved state swept by (`ratify-runbook-run=<id>`). */
  readonly swept?: string | undefined;
  /** The artifact holding the notebook and the logs. */
  readonly artifact?: string | undefined;
}

const ICONS: Readonly<Record<string, string>> = {
  done: '✅',
  failed: '❌',
  interrupted: '⏸️',
  running: '🔄',
  skipped: '➖',
  pending: '⚪',
};

export function renderJobSummary(input: JobSummaryInput): string {
  const lines = input.workflow === 'run' ? runSection(input) : teardownSection(input);
  if (input.status) lines.push('', ...stepTable(input.status));
  if (input.artifact) lines.push('', `Notebook and logs: artifact \`${input.artifact}\`.`);
  return `${lines.join('\n')}\n\n`;
}

function runSection(input: JobSummaryInput): string[] {
  const steps = input.status?.steps ?? [];
  const failed = steps.find((s) => s.status === 'failed' || s.status === 'interrupted');
  const verify = steps.find((s) => s.id === 'verify');
  const lines: string[] = [];
  if (input.outcome === 'success' && verify?.status === 'done') {
    lines.push(`## ✅ ${input.attendee}: verified`, '', where(input.status), '', ...verifyLines(verify.outputs));
  } else if (failed) {
    lines.push(`## ❌ ${input.attendee}: stopped at \`${failed.id}\` (${failed.status})`, '', where(input.status), '');
    lines.push(`> ${cell(firstLine(failed.error ?? 'no error recorded'))}`);
    for (const hint of failed.hints ?? []) lines.push(`> → ${cell(hint)}`);
    const resume = `the runbook resumes at \`${failed.id}\`; finished steps are not repeated`;
    lines.push('', `**Resume:** fix the cause, then *Re-run failed jobs*: ${resume}.`);
  } else {
    const icon = input.outcome === 'success' ? '✅' : '❌';
    lines.push(`## ${icon} ${input.attendee}: the runbook step ended with \`${input.outcome}\``, '', where(input.status));
    if (input.outcome !== 'success') {
      lines.push('', 'No step failed in the ledger: the run stopped before its steps (bad answers, a foreign state dir...).');
      lines.push('The job log says why.');
    }
  }
  return lines;
}

function teardownSection(input: JobSummaryInput): string[] {
  if (input.swept) {
    const mark = `\`${input.swept}\``;
    if (input.outcome === 'success') return [`## ✅ ${input.attendee}: swept (no saved state: what carried ${mark} was removed)`];
    return [
      `## ❌ ${input.attendee}: sweep by ${mark} ${input.outcome}`,
      '',
      '**Resume:** fix the cause, then *Re-run failed jobs*: the sweep finds what still carries the mark.',
    ];
  }
  const teardown = input.teardown;
  if (input.outcome === 'success') {
    const removed = teardown?.removed.length ?? 0;
    const what = teardown ? `${removed} resource(s) removed` : 'nothing recorded to remove';
    return [`## ✅ ${input.attendee}: torn down (${what})`, '', where(input.status)];
  }
  const lines = [`## ❌ ${input.attendee}: teardown ${teardown?.status ?? input.outcome}`, '', where(input.status), ''];
  if (teardown?.error) lines.push(`> ${cell(firstLine(teardown.error))}`, '');
  lines.push('**Resume:** fix the cause, then *Re-run failed jobs*: the teardown continues with what is left.');
  return lines;
}

function where(status: StatusDocument | undefined): string {
  if (!status?.target) return 'No run recorded in the state dir.';
  const simulated = status.target.kind === 'sandbox' ? ' (simulated: nothing was created in Azure)' : '';
  return `Run \`${status.runId ?? '?'}\` against ${describeTarget(status.target)}${simulated}.`;
}

function verifyLines(outputs: Readonly<Record<string, string>>): string[] {
  const lines = [
    `- signed image admitted: **${outputs.signedAdmitted ?? '?'}**`,
    `- unsigned image denied: **${outputs.unsignedDenied ?? '?'}**`,
  ];
  if (outputs.denialMessage) lines.push(`- denial: \`${firstLine(outputs.denialMessage).replace(/`/g, "'")}\``);
  return lines;
}

function stepTable(status: StatusDocument): string[] {
  const rows = status.steps.map((s) => {
    const note = s.error ? firstLine(s.error) : (s.skipReason ?? '');
    const time = duration(s.startedAt, s.endedAt);
    return `| \`${s.id}\` | ${ICONS[s.status] ?? ''} ${s.status} | ${s.attempts} | ${time} | ${cell(note)} |`;
  });
  return ['| step | status | attempts | time | note |', '| --- | --- | --- | --- | --- |', ...rows];
}

function duration(start: string | null, end: string | null): string {
  if (!start || !end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Table cells and quotes: a `|` would end the cell, `<` could open HTML. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').slice(0, 300);
}
