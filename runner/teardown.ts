import type { LedgerStore } from '../checkpoints/ledger-store.js';
import { stepRecord } from '../checkpoints/ledger.js';
import { InterruptedError, StepFailedError } from '../kernel/errors.js';
import type { ProgressView } from './progress.js';
import { createTeardownContext, type ContextDeps } from './step-context.js';
import type { Step } from './step.js';
import { hintsFor } from './known-failures.js';
import { abortedSoon, interruptionName, isInterruption } from './interruption.js';
import { resolvePending } from './write-ahead.js';

export interface TeardownOptions {
  readonly steps: readonly Step[];
  readonly store: LedgerStore;
  readonly context: Omit<ContextDeps, 'mode' | 'outputsOf' | 'runId'>;
  readonly signal: AbortSignal;
  readonly view: ProgressView;
}

/**
 * Removes, in reverse step order, what the ledger records as created by this runbook (by
 * recorded id, whatever the answers say now). Progress is checkpointed per step, so an
 * interrupted teardown resumes where it stopped. A step torn down goes back to pending.
 */
export async function runTeardown(options: TeardownOptions): Promise<{ removedSteps: string[] }> {
  const { store, view, signal } = options;
  const ledger = store.data;
  const clock = options.context.clock;
  const teardown = (ledger.teardown ??= { status: 'running', removed: [] });
  Object.assign(teardown, { status: 'running', startedAt: clock.now().toISOString(), error: undefined });
  await store.save();
  const todo = [...options.steps]
    .reverse()
    .filter((step) => step.teardown && ((ledger.steps[step.id]?.created.length ?? 0) > 0 || (ledger.steps[step.id]?.pending?.length ?? 0) > 0));
  const deps: ContextDeps = { ...options.context, mode: 'run', runId: ledger.runId, outputsOf: (id) => ledger.steps[id]?.outputs };
  view.begin(todo.map((s) => ({ id: s.id, title: `Tear down: ${s.title}` })));
  const removedSteps: string[] = [];
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
      view.phase(step.id, 'running');
      const ctx = createTeardownContext(
        step,
        deps,
        {
          attempt: record.attempts,
          signal,
          onCommand: () => {},
          onLog: (line) => view.log(step.id, line),
          onCreated: async () => {},
          onWillCreate: async () => {},
          onFile: () => {},
        },
        record.created,
        { ...record.outputs },
      );
      try {
        // A create the run was in the middle of when it was killed is torn down too.
        await resolvePending(ctx, record, ledger.runId, store, (line) => view.log(step.id, line));
        await step.teardown?.({ ...ctx, createdBefore: [...record.created] });
      } catch (error) {
        if (isInterruption(error) || (await abortedSoon(signal))) {
          view.phase(step.id, 'interrupted', `interrupted by ${interruptionName(signal)}`);
          throw await interrupted();
        }
        const message = deps.redactor.redact(error instanceof Error ? error.message : String(error));
        teardown.status = 'failed';
        teardown.error = `${step.id}: ${message}`;
        await store.save();
        view.phase(step.id, 'failed', message);
        throw new StepFailedError(step.id, `Teardown of "${step.id}" failed: ${message}`, [
          ...hintsFor(step, message),
          'Fix the cause and run teardown again: it continues with what is left.',
        ]);
      }
      teardown.removed.push(...record.created.map((r) => r.id));
      if (record.pending?.length) {
        // A guard that could not be read: keep the step's record so the next teardown asks again.
        throw new StepFailedError(step.id, `Teardown of "${step.id}" could not tell whether ${record.pending.map((p) => p.kind).join(', ')} exist(s).`, [
          'Run teardown again once Azure answers (the step log says what failed).',
        ]);
      }
      Object.assign(record, { status: 'pending', outputs: {}, created: [], answersUsed: {}, error: undefined, hints: undefined });
      await store.save();
      view.phase(step.id, 'done');
      removedSteps.push(step.id);
    }
    if (signal.aborted) throw await interrupted();
    teardown.status = 'done';
    teardown.endedAt = clock.now().toISOString();
    await store.save();
  } finally {
    await view.end();
  }
  return { removedSteps };
}
