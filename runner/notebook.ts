import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import type { LedgerData, StepRecord } from '../checkpoints/ledger-schema.js';
import { describeTarget } from '../checkpoints/ledger.js';
import type { Step } from './step.js';
import { formatDuration } from './duration.js';

export const NOTEBOOK_FILE = 'notebook.md';

/**
 * The notebook of the run (`notebook.md`): per step its explanation, every command
 * (redacted) with trimmed output, status, attempt and duration. Re-rendered from the
 * ledger after every step, so it is always in step with it.
 */
export function renderNotebook(ledger: LedgerData, steps: readonly Step[], notice?: string): string {
  const out: string[] = [
    '# ratify-runbook notebook',
    '',
    `Run \`${ledger.runId}\` against ${describeTarget(ledger.target)}. Started ${ledger.createdAt}, updated ${ledger.updatedAt}.`,
    '',
  ];
  if (notice) out.push(`> ${notice}`, '');
  steps.forEach((step, index) => {
    const record = ledger.steps[step.id];
    out.push(`## ${index + 1}. ${step.title} (\`${step.id}\`)`, '', step.explain.trim(), '');
    if (!record || record.status === 'pending') {
      out.push('**Status:** pending', '');
      return;
    }
    out.push(statusLine(record), '');
    if (record.skipReason) out.push(`Skipped: ${record.skipReason}.`, '');
    for (const command of record.commands) {
      out.push('```bash', `$ ${command.argv.map(shellQuoteForDisplay).join(' ')}`, '```');
      if (command.output) out.push('```text', command.output, '```');
      if (command.exitCode !== 0) out.push(`_exit code ${command.exitCode}_`);
      out.push('');
    }
    const outputs = Object.entries(record.outputs);
    if (outputs.length > 0) {
      out.push('| output | value |', '|---|---|', ...outputs.map(([k, v]) => `| ${k} | \`${v.replace(/\|/g, '\\|')}\` |`), '');
    }
    if (record.error) out.push(`**Error:** ${record.error}`, '');
    for (const hint of record.hints ?? []) out.push(`- Fix: ${hint}`);
    if (record.hints?.length) out.push('');
    if (record.logs.length > 0) out.push(`Logs: ${record.logs.map((l) => `[${l}](${l})`).join(', ')}`, '');
  });
  return `${out.join('\n')}\n`;
}

function statusLine(record: StepRecord): string {
  const parts = [`**Status:** ${record.status}`, `attempt ${record.attempts}`];
  if (record.startedAt && record.endedAt) {
    parts.push(formatDuration(new Date(record.endedAt).getTime() - new Date(record.startedAt).getTime()));
  }
  return parts.join(' · ');
}

function shellQuoteForDisplay(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function writeNotebook(stateDir: string, ledger: LedgerData, steps: readonly Step[], notice?: string): Promise<void> {
  // Derived from the ledger, which is written durably first: atomic, without fsync.
  await writeFileAtomic(join(stateDir, NOTEBOOK_FILE), renderNotebook(ledger, steps, notice), 0o644, false);
}
