import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import type { LedgerData, StepRecord } from '../checkpoints/ledger-schema.js';
import { describeTarget } from '../checkpoints/ledger.js';
import type { ProgressBus } from './progress-bus.js';
import { summarizeRun, summaryMarkdown, type NextCommand } from './run-summary.js';
import type { Step } from './step.js';
import { formatDuration } from './duration.js';

export const NOTEBOOK_FILE = 'notebook.md';

export interface NotebookOptions {
  /** Said at the top (the sandbox's "this run is simulated"). */
  readonly notice?: string | undefined;
  /** The commands offered at the end of a finished run. */
  readonly next?: readonly NextCommand[];
}

/**
 * The notebook of the run (`notebook.md`): per step its explanation, every command
 * (redacted) with trimmed output, status, attempt and duration; once every step is done, the
 * result (what it proved, what it created, what to type next). Rendered from the ledger.
 */
export function renderNotebook(ledger: LedgerData, steps: readonly Step[], options: NotebookOptions = {}): string {
  const { notice } = options;
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
  const finished = steps.every((step) => ['done', 'skipped'].includes(ledger.steps[step.id]?.status ?? 'pending'));
  if (finished) out.push(...summaryMarkdown(summarizeRun(ledger, steps), options.next ?? []));
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

export async function writeNotebook(
  stateDir: string,
  ledger: LedgerData,
  steps: readonly Step[],
  options: NotebookOptions = {},
): Promise<void> {
  // Derived from the ledger, which is written durably first: atomic, without fsync.
  await writeFileAtomic(join(stateDir, NOTEBOOK_FILE), renderNotebook(ledger, steps, options), 0o644, false);
}

export interface NotebookWriter {
  /** Stops listening, waits for the writes under way, and writes the notebook one last time. */
  close(): Promise<void>;
}

/**
 * A busy stretch of a run (the sandbox ends a dozen steps a second) re-renders the notebook at
 * most this often: each render is the whole file, and a run emits a few dozen step events.
 */
export const NOTEBOOK_REFRESH_MS = 250;

/**
 * Keeps notebook.md in step with the run: it listens to the run's events and re-renders from the
 * ledger whenever a step changes state or the run ends (the engine records the change in the
 * ledger before it emits those). A change within NOTEBOOK_REFRESH_MS of the last write is written
 * at the end of that interval, with every change made meanwhile; close() writes at once. Writes
 * never overlap.
 */
export function subscribeNotebook(
  bus: ProgressBus,
  stateDir: string,
  ledger: LedgerData,
  steps: readonly Step[],
  options: NotebookOptions = {},
): NotebookWriter {
  let writing: Promise<void> = Promise.resolve();
  let lastWrite = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const writeNow = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    lastWrite = performance.now();
    // A failed write is retried by the next one; close() reports the last.
    writing = writing.catch(() => {}).then(() => writeNotebook(stateDir, ledger, steps, options));
    return writing;
  };
  const changed = () => {
    if (timer) return; // the write already scheduled renders this change too
    const wait = lastWrite + NOTEBOOK_REFRESH_MS - performance.now();
    const write = () => void writeNow().catch(() => {});
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  };
  const unsubscribe = bus.subscribe((event) => {
    // `running` and `reused` leave the ledger as it was; every other step event follows a change to it.
    const stepSaved = event.type === 'step' && event.phase !== 'running' && event.phase !== 'reused';
    if (stepSaved || event.type === 'run-start' || event.type === 'run-end') changed();
  });
  return {
    async close() {
      unsubscribe();
      await writing.catch(() => {});
      await writeNow();
    },
  };
}
