/**
 * Script run by the exported GitHub Actions workflows (not a CLI command):
 *   node dist/workshop/job-summary.js --workflow run|teardown --attendee ID --outcome OUTCOME \
 *     --status status.json --state-dir DIR [--artifact NAME] [--swept MARK] >> "$GITHUB_STEP_SUMMARY"
 * status.json is what `ratify-runbook status --json` printed. The teardown's progress is not part
 * of it, so for a teardown the ledger's teardown record is read from the state dir. --swept names the
 * mark a teardown with no saved state swept by (empty: it did not).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readLedger } from '../checkpoints/ledger.js';
import { renderJobSummary, type StatusDocument, type TeardownRecord } from './job-summary-render.js';

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workflow: { type: 'string' },
      attendee: { type: 'string' },
      outcome: { type: 'string' },
      status: { type: 'string' },
      'state-dir': { type: 'string' },
      artifact: { type: 'string' },
      swept: { type: 'string' },
    },
    strict: true,
  });
  const workflow = values.workflow === 'teardown' ? 'teardown' : 'run';
  const status = values.status ? await readStatus(values.status) : undefined;
  let teardown: TeardownRecord | undefined;
  if (workflow === 'teardown' && values['state-dir']) {
    // A damaged ledger was already reported by the teardown step itself: the summary just omits it.
    teardown = await readLedger(values['state-dir']).then(
      (l) => l?.teardown,
      () => undefined,
    );
  }
  const attendee = values.attendee ?? '?';
  const outcome = values.outcome ?? 'unknown';
  const swept = values.swept || undefined;
  process.stdout.write(renderJobSummary({ workflow, attendee, outcome, status, teardown, swept, artifact: values.artifact }));
}

async function readStatus(path: string): Promise<StatusDocument | undefined> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as StatusDocument;
    return Array.isArray(data.steps) ? data : undefined;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`job-summary: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
