import { describeTarget } from '../../checkpoints/ledger.js';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import type { Step } from '../../runner/step.js';
import { flag, option, parseCommandArgs } from '../args.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { renderInline } from '../../kernel/terminal-markdown.js';
import { chalkFor } from '../../kernel/terminal-style.js';
import { readStateDir, stateDirOf } from '../state-dir.js';
import { statusJson } from '../../runner/status-json.js';

/** Where the run stands, from the ledger alone: runs nothing, takes no lock (unless --check-cloud). */
export default async function statusCommand(io: Io, args: readonly string[]): Promise<number> {
  const checkCloudOption = { 'check-cloud': { type: 'boolean' } } as const;
  const parsed = parseCommandArgs('status', args, { ...option.stateDir, ...option.json, ...checkCloudOption, ...option.help });
  const stateDir = stateDirOf(io, parsed);
  const ledger = await readStateDir(stateDir);
  const { steps } = await import('../../steps/index.js');
  if (flag(parsed, 'json')) io.stdout.write(statusJson(ledger, steps));
  else if (!ledger) writeLine(io.stdout, `No run yet in ${stateDir}. Start one with: ratify-runbook run (or run --sandbox to rehearse)`);
  else printStatus(io, ledger, steps);
  if (flag(parsed, 'check-cloud') && ledger) await checkCloud(io, stateDir, ledger);
  return 0;
}

function printStatus(io: Io, ledger: LedgerData, steps: readonly Step[]): void {
  writeLine(io.stdout, `Run ${ledger.runId} against ${describeTarget(ledger.target)}; updated ${ledger.updatedAt}`);
  const width = Math.max(...steps.map((s) => s.id.length));
  const chalk = chalkFor(io, io.stdout as { isTTY?: boolean });
  for (const step of steps) {
    const record = ledger.steps[step.id];
    const status = record?.status ?? 'pending';
    const extra = record?.error ?? record?.skipReason ?? '';
    const attempts = record?.attempts ? ` (attempt ${record.attempts})` : '';
    writeLine(io.stdout, `  ${step.id.padEnd(width)}  ${status.padEnd(11)}${attempts}${extra ? `  ${extra.split('\n')[0]}` : ''}`);
    for (const hint of record?.status === 'failed' ? (record.hints ?? []) : []) {
      writeLine(io.stdout, `  ${' '.repeat(width)}  → ${renderInline(hint, chalk)}`);
    }
  }
  if (ledger.teardown)
    writeLine(io.stdout, `Teardown: ${ledger.teardown.status}${ledger.teardown.error ? ` (${ledger.teardown.error})` : ''}`);
}

/**
 * Opt-in (it reads the cloud, or the sandbox): warns when resources carrying this run's mark
 * exist that the ledger does not list, e.g. after a crash the write-ahead records could not settle.
 */
async function checkCloud(io: Io, stateDir: string, ledger: LedgerData): Promise<void> {
  const [{ openCloudProfile }, { openSweep, unlisted }, { collectAnswers }] = await Promise.all([
    import('../cloud-profiles.js'),
    import('../sweep.js'),
    import('../../prompts/collect-answers.js'),
  ]);
  const { answers } = await collectAnswers({ needed: [], stateDir, env: {}, interactive: false });
  const profile = await openCloudProfile(stateDir, ledger.target.kind === 'sandbox' ? { faults: [] } : undefined, {});
  try {
    const sweep = await openSweep(io, stateDir, ledger, profile, answers, () => {});
    const extra = unlisted(await sweep.find(), ledger);
    const mark = `ratify-runbook-run=${ledger.runId}`;
    if (extra.length === 0) {
      writeLine(io.stderr, `✔ Everything carrying this run's mark (${mark}) in ${describeTarget(ledger.target)} is in the ledger.`);
      return;
    }
    writeLine(io.stderr, `! ${extra.length} resource(s) carry this run's mark (${mark}) but the ledger does not list them:`);
    for (const m of extra) writeLine(io.stderr, `  - ${m.label} (${m.id})`);
    const sandbox = ledger.target.kind === 'sandbox' ? ' --sandbox' : '';
    writeLine(io.stderr, `  → ratify-runbook teardown --sweep${sandbox} removes them (after asking).`);
  } finally {
    await profile.close();
  }
}
