/**
 * The closing summary of a run, from the ledger: what the run proved (each step's payoff, e.g.
 * the signed pod running and the unsigned one denied), what it created, and what to type next.
 * The engine sends it with `run-end`; the terminal and the notebook render it.
 */
import type { LedgerData } from '../checkpoints/ledger-schema.js';
import type { CreatedResource } from '../kernel/created-resource.js';
import { skipText, type RunSummary } from './progress-events.js';
import type { Step } from './step.js';

export function summarizeRun(ledger: LedgerData, steps: readonly Step[], skipped: RunSummary['skipped'] = []): RunSummary {
  const outputOf = (stepId: string, name: string) => ledger.steps[stepId]?.outputs[name];
  return {
    skipped,
    payoff: steps.flatMap((step) => (ledger.steps[step.id]?.status === 'done' ? (step.payoff?.(outputOf) ?? []) : [])),
    created: steps.flatMap((step) =>
      (ledger.steps[step.id]?.created ?? []).map((r) => ({ stepId: step.id, kind: r.kind, id: r.id, label: labelOf(r) })),
    ),
  };
}

/** A command to type next, and what it is for. */
export interface NextCommand {
  readonly command: string;
  readonly what: string;
}

/** The commands every finished run offers: where it stands, the run as a script, and the way back. */
export function nextCommands(flags: { stateDir?: string | undefined; sandbox: boolean }): NextCommand[] {
  const dir = flags.stateDir ? ` --state-dir ${quoteForShell(flags.stateDir)}` : '';
  return [
    { command: `ratify-runbook status${dir}`, what: 'where each step stands' },
    { command: `ratify-runbook export --format sh${dir}`, what: 'this run as a plain bash script' },
    { command: `ratify-runbook teardown${dir}${flags.sandbox ? ' --sandbox' : ''}`, what: 'remove everything this run created' },
  ];
}

/** Plain lines for the terminal (stderr). */
export function summaryText(summary: RunSummary, next: readonly NextCommand[]): string[] {
  const lines: string[] = [];
  if (summary.payoff.length > 0) lines.push('What it proved:', ...summary.payoff.map((line) => `  • ${line}`));
  if (summary.skipped.length > 0) {
    lines.push('Skipped, so not done yet (run again to be asked about them):');
    lines.push(...summary.skipped.map(({ stepId, skip }) => `  - ${stepId}: ${skipText(skip)}`));
  }
  if (summary.created.length > 0) {
    lines.push(`Created by this run (teardown removes exactly these, ${summary.created.length}):`);
    lines.push(...summary.created.map((r) => `  - ${r.kind} ${r.label} (${r.stepId})`));
  }
  const width = Math.max(0, ...next.map((n) => n.command.length));
  if (next.length > 0) lines.push('Next:', ...next.map((n) => `  ${n.command.padEnd(width)}   ${n.what}`));
  return lines;
}

/** The notebook's closing section. */
export function summaryMarkdown(summary: RunSummary, next: readonly NextCommand[]): string[] {
  const out = ['## Result', ''];
  if (summary.payoff.length > 0) out.push(...summary.payoff.map((line) => `- ${line}`), '');
  if (summary.created.length > 0) {
    out.push('Created by this run (`teardown` removes exactly these):', '', '| step | what | id |', '|---|---|---|');
    out.push(...summary.created.map((r) => `| ${r.stepId} | ${r.kind} ${cell(r.label)} | \`${cell(r.id)}\` |`), '');
  }
  if (next.length > 0) out.push('Next:', '', '```bash', ...next.map((n) => `${n.command}   # ${n.what}`), '```', '');
  return out;
}

/** What a person calls the resource: its name, or for a role assignment the role and where it applies. */
function labelOf(resource: CreatedResource): string {
  const details = resource.details ?? {};
  const tail = (path: string) => path.split('/').filter(Boolean).at(-1) ?? path;
  if (details.role) return `${details.role} on ${tail(details.scope ?? resource.id)}`;
  if (details.feature && details.aksName) return `${details.feature} on ${details.aksName}`;
  if (details.registry && details.aksName) return `${details.registry} attached to ${details.aksName}`;
  if (details.repository && details.tag) return `${details.repository}:${details.tag}`;
  if (details.release) return `${details.release} in ${details.namespace ?? 'its namespace'}`;
  return details.name ?? details.repository ?? tail(resource.id);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function quoteForShell(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
