import { flag, listOption, parseCommandArgs, stringOption } from '../args.js';
import { openInBrowser, portInUse, portOf, serveOptions } from '../serve-flags.js';
import { sandboxFlags } from '../cloud-profiles.js';
import { readStateDir, runIdOf, stateDirOf } from '../state-dir.js';
import { verifySameRunId } from '../../checkpoints/run-id.js';
import { systemClock } from '../system-clock.js';
import { createLineView } from '../views/line-view.js';
import { UsageError } from '../../kernel/errors.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { reportError } from '../../kernel/report-error.js';
import { runOptions, runRunbook } from './run.js';

/**
 * `ratify-runbook ui`: the runbook as a live notebook in the browser. The same run as `run`
 * (same options, ledger, notebook, exit codes), asked and driven from a local page: answers in
 * a form, Run / Skip / Run all / Stop before each step, Retry after a failure. The server and
 * its pages are in ui/, loaded here only.
 */
export default async function uiCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('ui', args, { ...runOptions, ...serveOptions, 'exit-when-done': { type: 'boolean' } });
  const from = stringOption(parsed, 'from');
  const only = stringOption(parsed, 'only');
  if (from && only) throw new UsageError('--from and --only cannot be combined.');
  const port = portOf(parsed);
  const sandbox = sandboxFlags(parsed);
  const stateDir = stateDirOf(io, parsed);
  const runId = runIdOf(parsed);
  // Another run's state dir stops here, before anything is served.
  const existing = runId === undefined ? undefined : await readStateDir(stateDir);
  if (existing) verifySameRunId(existing.runId, runId, stateDir);
  const [{ steps }, { findStep }] = await Promise.all([import('../../steps/index.js'), import('../../runner/step-graph.js')]);
  // Unknown step ids stop here, before anything is served.
  if (from) findStep(steps, from, '--from');
  if (only) findStep(steps, only, '--only');

  const [{ createProgressBus }, { NotebookSession }, { startNotebookServer }] = await Promise.all([
    import('../../runner/progress-bus.js'),
    import('../../ui/notebook/session.js'),
    import('../../ui/notebook/server.js'),
  ]);
  const bus = createProgressBus();
  // The browser is where a person answers, whatever the terminal is; --yes and --non-interactive ask nothing.
  const unattended = flag(parsed, 'yes') || flag(parsed, 'non-interactive');
  const view = createLineView((line) => writeLine(io.stderr, line));
  let attempts = 0;
  const session = new NotebookSession({
    steps,
    stateDir,
    bus,
    unattended,
    clock: systemClock,
    signal: io.signal,
    report: (error) => reportError(io, error),
    attempt: ({ signal, prompter, gate, onAnswers }) => {
      attempts += 1;
      // --from applies to the first run; a Retry resumes from the ledger like running again.
      const first = attempts === 1;
      return runRunbook(
        { ...io, signal },
        {
          stateDir,
          runId,
          answersFile: stringOption(parsed, 'answers'),
          sets: listOption(parsed, 'set'),
          ...(first && from ? { from } : {}),
          ...(only ? { only } : {}),
          serial: flag(parsed, 'serial'),
          interactive: !unattended,
          sandbox,
          events: bus,
          view,
          onAnswers,
          ...(prompter ? { prompter } : {}),
          gate: gate ?? null,
        },
      );
    },
  });
  await session.refreshLedger();

  let server;
  try {
    server = await startNotebookServer(session, port);
  } catch (error) {
    throw portInUse(error, port);
  }
  writeLine(io.stdout, server.url);
  writeLine(io.stderr, `The runbook's notebook is served at the address above (127.0.0.1 only). Ctrl-C stops it.`);
  const opened = flag(parsed, 'no-open') ? undefined : await openInBrowser(io, server.url);
  if (opened?.warning) writeLine(io.stderr, `! ${opened.warning}`);

  session.start();
  const interrupted = new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  let code: number;
  if (flag(parsed, 'exit-when-done')) {
    code = await Promise.race([session.firstAttempt(), interrupted.then(() => session.stop())]);
  } else {
    const first = await Promise.race([session.firstAttempt().then(() => 'done' as const), interrupted.then(() => 'interrupted' as const)]);
    if (first === 'done') writeLine(io.stderr, 'The finished notebook stays served until Ctrl-C.');
    await interrupted;
    code = await session.stop();
  }
  await server.close();
  await opened?.cleanup();
  if (flag(parsed, 'json')) {
    const [{ readLedger }, { statusJson }] = await Promise.all([
      import('../../checkpoints/ledger.js'),
      import('../../runner/status-json.js'),
    ]);
    io.stdout.write(statusJson(await readLedger(stateDir).catch(() => undefined), steps));
  }
  return code;
}
