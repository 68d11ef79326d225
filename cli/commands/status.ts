import { describeTarget } from '../../checkpoints/ledger.js';
import { flag, option, parseCommandArgs } from '../args.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { renderInline } from '../../kernel/terminal-markdown.js';
import { chalkFor } from '../../kernel/terminal-style.js';
import { readStateDir, stateDirOf } from '../state-dir.js';
import { statusJson } from '../../runner/status-json.js';

/** Where the run stands, from the ledger alone: runs nothing, takes no lock. */
export default async function statusCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('status', args, { ...option.stateDir, ...option.json, ...option.help });
  const stateDir = stateDirOf(io, parsed);
  const ledger = await readStateDir(stateDir);
  const { steps } = await import('../../steps/index.js');
  if (flag(parsed, 'json')) {
    io.stdout.write(statusJson(ledger, steps));
    return 0;
  }
  if (!ledger) {
    writeLine(io.stdout, `No run yet in ${stateDir}. Start one with: ratify-runbook run (or run --sandbox to rehearse offline)`);
    return 0;
  }
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
  if (ledger.teardown) writeLine(io.stdout, `Teardown: ${ledger.teardown.status}${ledger.teardown.error ? ` (${ledger.teardown.error})` : ''}`);
  return 0;
}
