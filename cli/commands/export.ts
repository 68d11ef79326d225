import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectAnswers } from '../../prompts/collect-answers.js';
import { UsageError } from '../../kernel/errors.js';
import { NOTEBOOK_FILE } from '../../runner/notebook.js';
import { exportShellScript } from '../../runner/shell-script.js';
import { oneOf, option, parseCommandArgs, stringOption } from '../args.js';
import type { Io } from '../../kernel/io.js';
import { readStateDir, stateDirOf } from '../state-dir.js';
import { systemClock } from '../system-clock.js';

/** `export --format md` prints the notebook; `--format sh` the run's answers as a plain script. */
export default async function exportCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('export', args, { ...option.stateDir, format: { type: 'string' }, ...option.help });
  const raw = stringOption(parsed, 'format');
  if (!raw) throw new UsageError('export needs --format md or --format sh.');
  const format = oneOf(raw, ['md', 'sh'] as const, '--format', 'md');
  const stateDir = stateDirOf(io, parsed);
  // The notebook is derived from the ledger: a corrupt or foreign ledger is refused (exit 2) first.
  const ledger = await readStateDir(stateDir);
  if (format === 'md') {
    let notebook: string;
    try {
      if (!ledger) throw new Error('no ledger');
      notebook = await readFile(join(stateDir, NOTEBOOK_FILE), 'utf8');
    } catch {
      throw new UsageError(`No notebook in ${stateDir}: nothing has run there yet.`, [
        'Run `ratify-runbook run` first, or pass --state-dir.',
      ]);
    }
    io.stdout.write(notebook);
    return 0;
  }
  const { steps } = await import('../../steps/index.js');
  if (!ledger) {
    throw new UsageError(`No run in ${stateDir}: nothing to export yet.`, [
      'Run `ratify-runbook run` first, or use `ratify-runbook plan --format sh` for a script of a fresh world.',
    ]);
  }
  // The answers the run used (answers.yaml), nothing asked: a script of that run.
  const { answers } = await collectAnswers({ needed: [], stateDir, env: {}, interactive: false });
  const origin = `export of run ${ledger.runId}`;
  io.stdout.write(await exportShellScript({ steps, answers, runId: ledger.runId, clock: systemClock, origin }));
  return 0;
}
