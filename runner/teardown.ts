import { join } from 'node:path';
import type { LedgerStore } from '../checkpoints/ledger-store.js';
import { stepRecord } from '../checkpoints/ledger.js';
import type { Clock } from '../kernel/clock.js';
import { InterruptedError, StepFailedError } from '../kernel/errors.js';
import { emitterFor, type ProgressBus } from './progress-bus.js';
import type { RunOutcome } from './progress-events.js';
import { summarizeRun } from './run-summary.js';
import { createTeardownContext, stepPaths, type ContextDeps } from './step-context.js';
import { releaseStepLog } from './step-log.js';
import type { Step } from './step.js';
import { abortedSoon, interruptionName, isInterruption } from './interruption.js';
import { hintsFor } from './known-failures.js';
import { resolvePending } from './write-ahead.js';

export interface TeardownOptions {
  readonly steps: readonly Step[];
  readonly store: LedgerStore;
  readonly context: Omit<ContextDeps, 'mode' | 'outputsOf' | 'runId'>;
  readonly signal: AbortSignal;
  /** Timestamps of the ledger and progress: real time, while the steps' clock may run scaled (sandbox). */
  readonly wallClock?: Clock;
  /** Progress, as for a run: `run-start` (kind teardown), a step event per step torn down, `run-end`. */
  readonly events: ProgressBus;
}

/**
 * Removes, in reverse step order, what the ledger records as created by this runbook (by
 * recorded id, whatever the answers say now). Progress is checkpointed per step, so an
 * interrupted teardown resumes where it stopped. A step torn down goes back to pending.
 */
/** What it created, or a write-ahead record of a create a kill interrupted. */
function hasSomethingToRemove(record: { created: unknown[]; pending?: unknown[] } | undefined): boolean {
  return (record?.created.length ?? 0) > 0 || (record?.pending?.length ?? 0) > 0;
}

export async function runTeardown(options: TeardownOptions): Promise<{ removedSteps: string[] }> {
  const { store, signal } = options;
  const ledger = store.data;
  const clock = options.wallClock ?? options.context.clock;
  const emit = emitterFor(options.events, clock);
  const teardown = (ledger.teardown ??= { status: 'running', removed: [] });
  Object.assign(teardown, { status: 'running', startedAt: clock.now().toISOString(), error: undefined });
  await store.save();
  const todo = [...options.steps].reverse().filter((step) => step.teardown && hasSomethingToRemove(ledger.steps[step.id]));
  const deps: ContextDeps = { ...options.context, mode: 'run', runId: ledger.runId, outputsOf: (id) => ledger.steps[id]?.outputs };
  emit({
    type: 'run-start',
    runId: ledger.runId,
    kind: 'teardown',
    guided: false,
    steps: todo.map((s) => ({ id: s.id, title: `Tear down: ${s.title}`, status: 'pending', attempts: 0, selected: true })),
  });
  const removedSteps: string[] = [];
  let outcome: RunOutcome = 'failed';
  let failedStep: string | undefined;
  const interrupted = async (): Promise<InterruptedError> => {
    teardown.status = 'interrupted';
    teardown.error = `interrupted by ${interruptionName(signal)}; run teardown again to continue`;
    teardown.endedAt = clock.now().toISOString();
    await store.save();
    return new InterruptedError(`Teardown interrupted by ${interruptionName(signal)}. Run teardown again to continue.`);
  };
  try {
    for (const step of todo) {
      if (signal.aborted) throw await interrupted();
      const record = stepRecord(ledger, step.id);
      const attempt = record.attempts;
      emit({ type: 'step', stepId: step.id, phase: 'running', status: 'running', attempt, startedAt: clock.now().toISOString() });
      const ctx = createTeardownContext(
        step,
        deps,
        {
          attempt,
          signal,
          onCommand: (event) => {
            const { argv, exitCode, ms, mutates } = event;
            emit({ type: 'command', stepId: step.id, argv: [...argv], exitCode, ms, mutates, attempt });
          },
          onLog: (line) => emit({ type: 'log', stepId: step.id, line }),
          onCreated: async () => {},
          onWillCreate: async () => {},
          onFile: () => {},
        },
        record.created,
        { ...record.outputs },
      );
      try {
        // A create the run was in the middle of when it was killed is torn down too.
        await resolvePending(ctx, record, ledger.runId, store, (line) => emit({ type: 'log', stepId: step.id, line }));
        await step.teardown?.({ ...ctx, createdBefore: [...record.created] });
      } catch (error) {
        if (isInterruption(error) || (await abortedSoon(signal))) {
          const endedAt = clock.now().toISOString();
          const why = `interrupted by ${interruptionName(signal)}`;
          emit({ type: 'step', stepId: step.id, phase: 'interrupted', status: 'interrupted', attempt, endedAt, error: why });
          throw await interrupted();
        }
        const message = deps.redactor.redact(error instanceof Error ? error.message : String(error));
        teardown.status = 'failed';
        teardown.error = `${step.id}: ${message}`;
        await store.save();
        const hints = [...hintsFor(step, message), 'Fix the cause and run teardown again: it continues with what is left.'];
        failedStep = step.id;
        const endedAt = clock.now().toISOString();
        emit({ type: 'step', stepId: step.id, phase: 'failed', status: 'failed', attempt, endedAt, error: message, hints });
        throw new StepFailedError(step.id, `Teardown of "${step.id}" failed: ${message}`, hints);
      } finally {
        await releaseStepLog(join(stepPaths(deps.stateDir).logsDir, `${step.id}.${attempt}.log`));
      }
      teardown.removed.push(...record.created.map((r) => r.id));
      if (record.pending?.length) {
        // A guard that could not be read: keep the step's record so the next teardown asks again.
        const kinds = record.pending.map((p) => p.kind).join(', ');
        throw new StepFailedError(step.id, `Teardown of "${step.id}" could not tell whether ${kinds} exist(s).`, [
          'Run teardown again once Azure answers (the step log says what failed).',
        ]);
      }
      Object.assign(record, { status: 'pending', outputs: {}, created: [], answersUsed: {}, error: undefined, hints: undefined });
      await store.save();
      emit({ type: 'step', stepId: step.id, phase: 'done', status: 'done', attempt, endedAt: clock.now().toISOString() });
      removedSteps.push(step.id);
    }
    if (signal.aborted) throw await interrupted();
    teardown.status = 'done';
    teardown.endedAt = clock.now().toISOString();
    await store.save();
    outcome = 'done';
  } finally {
    if (signal.aborted && outcome === 'failed') outcome = 'interrupted';
    emit({
      type: 'run-end',
      outcome,
      ...(failedStep ? { stepId: failedStep, error: teardown.error ?? '' } : {}),
      summary: summarizeRun(ledger, options.steps),
    });
  }
  return { removedSteps };
}
