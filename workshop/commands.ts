/**
 * `workshop run | teardown | status`, with the per-attendee runbook command injected (the CLI
 * passes the real runRunbook/teardownRunbook; tests pass fakes). Everything here acts through
 * DIR/workshop.yaml and each attendee's state dir DIR/<id>/.
 */
import { join, resolve } from 'node:path';
import { useColor, writeLine, type Io } from '../kernel/io.js';
import { statusJson } from '../runner/status-json.js';
import type { Target } from '../checkpoints/ledger-schema.js';
import { ExitCode, UsageError } from '../kernel/errors.js';
import type { Step } from '../runner/step.js';
import { ignoredAnswerVariables } from './attendee-io.js';
import { applyAttendeeState, hasFailed, readAttendeeState, writeLastOutcome, type AttendeeState } from './attendee-state.js';
import { runBatch, type AttendeeTask, type BatchAttendee } from './batch-runner.js';
import { applyEvent, type AttendeeOutcome, type BatchEvent } from './events.js';
import { applyLedger, createMatrix, rowOf, type Matrix } from './matrix.js';
import { renderMatrix, summaryText } from './matrix-render.js';
import { createEventLines, createLiveMatrixView, type BatchDisplay } from './matrix-view.js';
import { renderSummary } from './summary.js';
import { requireWorkshopFile } from './workshop-file.js';
import { acquireLock } from '../checkpoints/lock.js';

export const DEFAULT_CONCURRENCY = 4;

export interface BatchCommandOptions {
  readonly dir: string;
  readonly concurrency: number;
  /** --attendee ID (repeatable): only these. */
  readonly only: readonly string[];
  readonly retryFailed?: boolean;
  /** Whether --sandbox was given: checked against every ledger before anything runs. */
  readonly sandbox: boolean;
  readonly json?: boolean;
  /** Also told every event of the batch, after the matrix and the display (the web dashboard). */
  readonly onEvent?: ((event: BatchEvent) => void) | undefined;
}

/** Step ids (flow order) for the matrix columns; the CLI passes steps/index.ts. */
export type StepList = readonly Pick<Step, 'id' | 'title'>[];

export async function workshopRun(io: Io, options: BatchCommandOptions, task: AttendeeTask, steps: StepList): Promise<number> {
  return batch(io, options, task, steps, 'run');
}

export interface TeardownCommandOptions extends BatchCommandOptions {
  /** Already confirmed (--yes, or the host said yes at the prompt). */
  readonly confirmed: boolean;
  /** Asks the host once for everyone (a terminal); undefined when nobody can answer. */
  readonly confirm?: ((question: string) => Promise<boolean>) | undefined;
}

export async function workshopTeardown(io: Io, options: TeardownCommandOptions, task: AttendeeTask, steps: StepList): Promise<number> {
  return batch(io, options, task, steps, 'teardown');
}

/** One batch per workshop dir at a time: a second one would run every attendee again into the same logs. */
export const WORKSHOP_LOCK = 'workshop.lock';

async function batch(
  io: Io,
  options: BatchCommandOptions | TeardownCommandOptions,
  task: AttendeeTask,
  steps: StepList,
  command: 'run' | 'teardown',
): Promise<number> {
  const dir = resolve(io.cwd, options.dir);
  const file = await requireWorkshopFile(dir);
  const notice = (line: string) => writeLine(io.stderr, `! ${line}`);
  const lock = await acquireLock(dir, `ratify-runbook workshop ${command}`, new Date(), notice, WORKSHOP_LOCK);
  try {
    return await lockedBatch(io, options, task, steps, command, dir, file);
  } finally {
    await lock.release();
  }
}

async function lockedBatch(
  io: Io,
  options: BatchCommandOptions | TeardownCommandOptions,
  task: AttendeeTask,
  steps: StepList,
  command: 'run' | 'teardown',
  dir: string,
  file: Awaited<ReturnType<typeof requireWorkshopFile>>,
): Promise<number> {
  const unknown = options.only.filter((id) => !file.attendees.includes(id.normalize('NFC')));
  if (unknown.length > 0) {
    throw new UsageError(`Unknown attendee${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, [
      `The workshop's attendees: ${file.attendees.join(', ')}.`,
    ]);
  }
  const states = await Promise.all(file.attendees.map((id) => readAttendeeState(dir, id)));
  let selected = options.only.length > 0 ? states.filter((s) => options.only.some((id) => id.normalize('NFC') === s.id)) : states;
  if (options.retryFailed) selected = selected.filter((s) => hasFailed(s, command));
  if (command === 'teardown') selected = selected.filter((s) => s.ledger || s.ledgerProblem);
  verifyTargets(selected, options.sandbox, dir);

  const ignored = ignoredAnswerVariables(io.env);
  if (ignored.length > 0)
    writeLine(io.stderr, `! Ignoring ${ignored.join(', ')}: each attendee's answers come from DIR/<id>/answers.yaml only.`);

  if (selected.length === 0) {
    const why =
      command === 'teardown'
        ? 'no attendee has anything to tear down'
        : options.retryFailed
          ? 'no attendee has failed'
          : 'no attendee selected';
    writeLine(io.stderr, `Nothing to ${command}: ${why}.`);
    if (options.json) io.stdout.write(await statusDocument(dir, states, steps));
    return ExitCode.done;
  }
  if (command === 'teardown') {
    const teardown = options as TeardownCommandOptions;
    if (!teardown.confirmed) {
      const question = `Tear down what the runbook created for ${selected.length} attendee(s) (${selected.map((s) => s.id).join(', ')})?`;
      if (!teardown.confirm) throw new UsageError('Teardown deletes resources: confirm with --yes when not on a terminal.');
      if (!(await teardown.confirm(question))) {
        writeLine(io.stderr, 'Nothing was deleted.');
        return ExitCode.done;
      }
    }
  }

  const matrix = createMatrix(
    steps.map((s) => s.id),
    file.attendees,
  );
  for (const state of states) applyLedger(matrix, state.id, state.ledger, state.locked);
  if (command === 'teardown') for (const state of selected) rowOf(matrix, state.id).cells.clear();
  const attendees: BatchAttendee[] = selected.map((s) => ({ id: s.id, stateDir: s.stateDir }));
  writeLine(io.stderr, `Workshop ${command}: ${attendees.length} attendee(s), at most ${options.concurrency} at once. State: ${dir}`);
  // After the banner: the live view redraws everything below its first frame.
  const display = createDisplay(io, matrix, command);
  const writes: Promise<void>[] = [];
  let outcomes: AttendeeOutcome[];
  try {
    outcomes = await runBatch({
      attendees,
      concurrency: options.concurrency,
      task,
      io,
      transcriptOf: (a) => join(a.stateDir, 'logs', `workshop-${command}.log`),
      onEvent: (event) => {
        applyEvent(matrix, event);
        if (event.type === 'finish' && event.outcome.started) {
          const stateDir = join(dir, event.attendee);
          writes.push(writeLastOutcome(stateDir, command, event.outcome, new Date()).catch(() => {}));
        }
        display.event(event);
        options.onEvent?.(event);
      },
    });
  } finally {
    display.stop();
    await Promise.all(writes);
  }

  const rows = attendees.map((a) => rowOf(matrix, a.id));
  writeLine(io.stderr);
  for (const line of renderSummary(rows, io.stderr.columns)) writeLine(io.stderr, line);
  const failed = outcomes.filter((o) => o.exitCode !== 0);
  writeLine(io.stderr);
  if (failed.length === 0) {
    writeLine(io.stderr, `✔ ${command === 'run' ? 'All attendees done' : 'Teardown done for every attendee'} (${attendees.length}).`);
  } else {
    writeLine(
      io.stderr,
      `✖ ${failed.length} of ${attendees.length} attendee(s) did not finish. Each one's output: ${join(dir, '<id>', 'logs', `workshop-${command}.log`)}`,
    );
    writeLine(
      io.stderr,
      `  → Fix the causes, then: ratify-runbook workshop ${command} --dir ${options.dir}${options.sandbox ? ' --sandbox' : ''} --retry-failed${command === 'teardown' ? ' --yes' : ''}`,
    );
  }
  if (options.json)
    io.stdout.write(await statusDocument(dir, await Promise.all(file.attendees.map((id) => readAttendeeState(dir, id))), steps));
  if (io.signal.aborted) return ExitCode.interrupted;
  return failed.length > 0 ? ExitCode.stepFailed : ExitCode.done;
}

/** All or nothing: a target mismatch would fail every attendee with exit 2 anyway; say it once. */
function verifyTargets(states: readonly AttendeeState[], sandbox: boolean, dir: string): void {
  const wanted: Target['kind'] = sandbox ? 'sandbox' : 'azure';
  const foreign = states.filter((s) => s.ledger && s.ledger.target.kind !== wanted);
  if (foreign.length === 0) return;
  throw new UsageError(
    `${foreign.map((s) => s.id).join(', ')}: the state in ${dir} belongs to ${sandbox ? 'a real Azure run' : 'the sandbox'}, but this command targets ${sandbox ? 'the sandbox' : 'Azure'}. Nothing was run.`,
    [sandbox ? 'Drop --sandbox.' : 'Add --sandbox to act on the simulated world these attendees belong to.'],
  );
}

function createDisplay(io: Io, matrix: Matrix, command: string): BatchDisplay {
  if (io.stderr.isTTY && io.env.TERM !== 'dumb') return createLiveMatrixView(io.stderr, matrix, { color: useColor(io) });
  return createEventLines((line) => writeLine(io.stderr, line), command);
}

export interface StatusCommandOptions {
  readonly dir: string;
  readonly json?: boolean;
}

/** The matrix from the ledgers: runs nothing, takes no lock, writes nothing. */
export async function workshopStatus(io: Io, options: StatusCommandOptions, steps: StepList): Promise<number> {
  const dir = resolve(io.cwd, options.dir);
  const file = await requireWorkshopFile(dir);
  const states = await Promise.all(file.attendees.map((id) => readAttendeeState(dir, id)));
  if (options.json) {
    io.stdout.write(await statusDocument(dir, states, steps));
    return ExitCode.done;
  }
  const matrix = matrixOf(states, steps);
  for (const line of renderMatrix(matrix, { width: (io.stdout as { columns?: number }).columns })) writeLine(io.stdout, line);
  const attention = matrix.rows.filter((r) => (r.state === 'failed' || r.state === 'interrupted') && r.hint);
  if (attention.length > 0) {
    writeLine(io.stdout);
    for (const line of renderSummary(attention)) writeLine(io.stdout, line);
  }
  return ExitCode.done;
}

function matrixOf(states: readonly AttendeeState[], steps: StepList): Matrix {
  const matrix = createMatrix(
    steps.map((s) => s.id),
    states.map((s) => s.id),
  );
  for (const state of states) applyAttendeeState(matrix, state);
  return matrix;
}

/** `workshop status --json` (and `run|teardown --json`): one entry per attendee, with its `status --json`. */
async function statusDocument(dir: string, states: readonly AttendeeState[], steps: StepList): Promise<string> {
  const matrix = matrixOf(states, steps);
  const fullSteps = steps as readonly Step[];
  return `${JSON.stringify(
    {
      dir,
      summary: summaryText(Object.fromEntries(Object.entries(countStates(matrix)))),
      attendees: states.map((state) => {
        const row = rowOf(matrix, state.id);
        return {
          id: state.id,
          state: row.state,
          lastStep: row.lastStep ?? null,
          hint: row.hint || null,
          lastCommand: state.last ?? null,
          status: JSON.parse(statusJson(state.ledger, fullSteps)) as unknown,
        };
      }),
    },
    null,
    2,
  )}\n`;
}

function countStates(matrix: Matrix): Record<string, number> {
  const result: Record<string, number> = {};
  for (const row of matrix.rows) result[row.state] = (result[row.state] ?? 0) + 1;
  return result;
}
