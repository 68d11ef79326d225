/**
 * Runs one task (run or teardown) for many attendees, at most `concurrency` at once, in this
 * process: the runs mostly wait on Azure, so a bounded pool of promises beats N processes.
 * One attendee's failure (or throw) never stops the others; Ctrl-C (the host's signal) stops
 * launching new ones and lets the running ones stop cleanly (their steps marked interrupted).
 */
import { setMaxListeners } from 'node:events';
import { RunbookError } from '../kernel/errors.js';
import type { Io } from '../kernel/io.js';
import { reportError } from '../kernel/report-error.js';
import { createProgressBus, type ProgressBus } from '../runner/progress-bus.js';
import { createAttendeeIo } from './attendee-io.js';
import type { AttendeeOutcome, BatchEvent } from './events.js';

export interface BatchAttendee {
  readonly id: string;
  /** DIR/<id>: the attendee's own state dir (ledger, answers, kubeconfig, logs). */
  readonly stateDir: string;
}

/**
 * One attendee's runbook command in-process, emitting its progress on `events` (the matrix is
 * fed from there, never from the text it prints); returns its exit code or throws a RunbookError.
 */
export type AttendeeTask = (io: Io, attendee: BatchAttendee, events: ProgressBus) => Promise<number>;

export interface BatchOptions {
  readonly attendees: readonly BatchAttendee[];
  readonly concurrency: number;
  readonly task: AttendeeTask;
  /** The host's Io: environment, cwd and the signal every attendee shares. */
  readonly io: Io;
  readonly onEvent: (event: BatchEvent) => void;
  /** Where each attendee's stderr is appended (e.g. DIR/<id>/logs/workshop-run.log). */
  readonly transcriptOf?: (attendee: BatchAttendee) => string | undefined;
  readonly now?: () => number;
}

export async function runBatch(options: BatchOptions): Promise<AttendeeOutcome[]> {
  const { onEvent } = options;
  // Every attendee's run hangs its own abort listeners on the signal: give the batch one signal
  // of its own (following the host's) with room for all of them, instead of a leak warning.
  const controller = new AbortController();
  setMaxListeners(10_000, controller.signal);
  const follow = () => controller.abort(options.io.signal.reason);
  if (options.io.signal.aborted) follow();
  else options.io.signal.addEventListener('abort', follow, { once: true });
  const io: Io = { ...options.io, signal: controller.signal };
  try {
    return await runPool(options, io, onEvent);
  } finally {
    options.io.signal.removeEventListener('abort', follow);
  }
}

async function runPool(options: BatchOptions, io: Io, onEvent: BatchOptions['onEvent']): Promise<AttendeeOutcome[]> {
  const now = options.now ?? Date.now;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const queue = [...options.attendees];
  const outcomes = new Map<string, AttendeeOutcome>();
  for (const attendee of queue) onEvent({ type: 'queued', attendee: attendee.id });

  const runOne = async (attendee: BatchAttendee): Promise<AttendeeOutcome> => {
    const started = now();
    let lastStep: string | undefined;
    let message: string | undefined;
    let hint: string | undefined;
    const events = createProgressBus();
    events.subscribe((event) => {
      if (event.type === 'step') lastStep = event.stepId;
      onEvent({ type: 'progress', attendee: attendee.id, event });
    });
    onEvent({ type: 'start', attendee: attendee.id, at: started });
    const attendeeIo = await createAttendeeIo(io, options.transcriptOf?.(attendee));
    let exitCode: number;
    try {
      exitCode = await options.task(attendeeIo.io, attendee, events);
    } catch (error) {
      // The same report a single run prints, so the transcript and the summary read alike.
      exitCode = reportError(attendeeIo.io, error);
      message = error instanceof Error ? error.message : String(error);
      hint = error instanceof RunbookError ? error.hints[0] : undefined;
    } finally {
      await attendeeIo.close();
    }
    return { attendee: attendee.id, exitCode, started: true, lastStep, message, hint, ms: now() - started };
  };

  const worker = async () => {
    for (;;) {
      if (io.signal.aborted) return;
      const next = queue.shift();
      if (!next) return;
      const outcome = await runOne(next);
      outcomes.set(next.id, outcome);
      onEvent({ type: 'finish', attendee: next.id, outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));

  for (const attendee of queue) {
    const outcome: AttendeeOutcome = { attendee: attendee.id, exitCode: 130, started: false, message: 'not started: interrupted', ms: 0 };
    outcomes.set(attendee.id, outcome);
    onEvent({ type: 'finish', attendee: attendee.id, outcome });
  }
  return options.attendees.map((a) => outcomes.get(a.id) as AttendeeOutcome);
}
