import { stepRecord } from '../checkpoints/ledger.js';
import type { LedgerStore } from '../checkpoints/ledger-store.js';
import type { LedgerData, StepRecord } from '../checkpoints/ledger-schema.js';
import type { Clock } from '../kernel/clock.js';
import { InterruptedError, StepFailedError } from '../kernel/errors.js';
import type { CommandEvent } from './command-runner.js';
import { executeStep } from './execute-step.js';
import { interruptionName } from './interruption.js';
import { emitterFor, type ProgressBus } from './progress-bus.js';
import { skipPropagates, skipRecordText, skipText, type RunOutcome, type SkipReason, type StepInfo } from './progress-events.js';
import { recordStep } from './plan.js';
import { summarizeRun } from './run-summary.js';
import { decideSteps, initialStandings, nextMove, selectSteps, type Decision, type Standing } from './schedule.js';
import type { ContextDeps, GeneratedFile } from './step-context.js';
import { verifyStepList } from './step-graph.js';
import type { Step } from './step.js';

export type GateChoice = 'run' | 'skip' | 'all' | 'quit';

/** What guided mode shows before a step: its explanation and the commands it will run. */
export interface StepPreview {
  readonly step: Step;
  readonly reason: string;
  readonly commands: readonly CommandEvent[];
  readonly files: readonly GeneratedFile[];
}

export interface EngineOptions {
  readonly steps: readonly Step[];
  readonly store: LedgerStore;
  /** Shared context deps in run mode (answers, profile, azure, clock, env, redactor, exec, confirm). */
  readonly context: Omit<ContextDeps, 'mode' | 'outputsOf' | 'runId'>;
  readonly signal: AbortSignal;
  /** Real time for the ledger's timestamps; steps may see a scaled clock (sandbox). Default: context.clock. */
  readonly wallClock?: Clock;
  /** Where progress goes: views, the notebook writer and the workshop matrix subscribe to it. */
  readonly events: ProgressBus;
  readonly from?: string | undefined;
  readonly only?: string | undefined;
  readonly serial?: boolean | undefined;
  /** Guided mode: asked before each step that will do something. */
  readonly gate?: ((preview: StepPreview) => Promise<GateChoice>) | undefined;
}

export interface EngineResult {
  readonly outcome: 'done' | 'quit';
}

/**
 * Runs the steps in dependency order, checkpointing each one the moment it ends. What each
 * step will do is decided once, up front (schedule.ts); this loop only applies the next move:
 * skip, reuse, or start (after the guided gate), waiting while steps run.
 */
export async function runEngine(options: EngineOptions): Promise<EngineResult> {
  const { steps, store, signal } = options;
  verifyStepList(steps);
  const ledger = store.data;
  const selection = selectSteps(steps, ledger, options);
  const decisions = decideSteps(steps, ledger, options.context.answers, selection);
  const standings = initialStandings(steps, ledger, decisions);
  const wall = options.wallClock ?? options.context.clock;
  const emit = emitterFor(options.events, wall);
  const deps: ContextDeps = { ...options.context, mode: 'run', runId: ledger.runId, outputsOf: (id) => ledger.steps[id]?.outputs };
  let guided = options.gate !== undefined;
  let failed: Step | undefined;
  const running = new Map<string, Promise<void>>();
  const settle = (step: Step, standing: Standing) => standings.set(step.id, standing);

  const start = (step: Step, why: string) => {
    settle(step, { at: 'running' });
    const ended = executeStep({ step, why, deps, wallClock: wall, store, emit, signal }).then((ok) => {
      settle(step, ok ? { at: 'done' } : { at: 'failed' });
      if (!ok) failed ??= step;
      running.delete(step.id);
    });
    running.set(step.id, ended);
  };

  emit({ type: 'run-start', runId: ledger.runId, kind: 'run', guided, steps: stepInfos(steps, ledger, decisions) });
  // Until proven otherwise: an unexpected error is a failure too.
  let outcome: RunOutcome = 'failed';
  try {
    for (;;) {
      if (signal.aborted) break;
      const rules = { oneAtATime: Boolean(options.serial) || guided, halted: failed !== undefined, gated: guided };
      const move = nextMove(steps, standings, decisions, rules);
      if (move.kind === 'finished') break;
      if (move.kind === 'wait') {
        await Promise.race(running.values());
      } else if (move.kind === 'skip') {
        await markSkipped(move.step, store, emit, move.reason);
        settle(move.step, { at: 'skipped', reason: move.reason });
      } else if (move.kind === 'reuse') {
        // The earlier run's attempt and times: a watcher's cell shows when it was done.
        const { attempts: attempt = 0, startedAt, endedAt } = ledger.steps[move.step.id] ?? {};
        const when = { ...(startedAt ? { startedAt } : {}), ...(endedAt ? { endedAt } : {}) };
        emit({ type: 'step', stepId: move.step.id, phase: 'reused', status: 'done', attempt, reason: 'done in an earlier run', ...when });
        settle(move.step, { at: 'done' });
      } else if (move.kind === 'start') {
        start(move.step, move.why);
      } else {
        const choice = options.gate ? await askGate(options.gate, move.step, move.why, deps, emit) : 'run';
        if (choice === 'quit') {
          outcome = 'quit';
          return { outcome: 'quit' };
        }
        if (choice === 'skip') {
          await markSkipped(move.step, store, emit, { kind: 'declined' });
          settle(move.step, { at: 'skipped', reason: { kind: 'declined' } });
          continue;
        }
        if (choice === 'all') guided = false;
        start(move.step, move.why);
      }
    }
    await Promise.all(running.values());
    // Steps do not wait for their outcome's save; the run does, before it reports anything.
    await store.settled();
    if (signal.aborted) {
      throw new InterruptedError(`Interrupted by ${interruptionName(signal)}. Run the same command again to resume where it stopped.`);
    }
    if (failed) throw failureOf(failed, stepRecord(ledger, failed.id));
    outcome = 'done';
    return { outcome: 'done' };
  } finally {
    if (signal.aborted && outcome === 'failed') outcome = 'interrupted';
    const record = failed ? ledger.steps[failed.id] : undefined;
    emit({
      type: 'run-end',
      outcome,
      ...(failed ? { stepId: failed.id } : {}),
      ...(record?.error ? { error: record.error } : {}),
      ...(record?.hints?.length ? { hints: record.hints } : {}),
      summary: summarizeRun(ledger, steps, undone(standings)),
    });
  }
}

/** The steps skipped in a way that leaves work undone. */
function undone(standings: ReadonlyMap<string, Standing>): { stepId: string; skip: SkipReason }[] {
  return [...standings].flatMap(([stepId, s]) => (s.at === 'skipped' && skipPropagates(s.reason) ? [{ stepId, skip: s.reason }] : []));
}

/** Guided mode: the step's explanation and exact commands, then Run / Skip / Run all / Quit. */
async function askGate(
  gate: NonNullable<EngineOptions['gate']>,
  step: Step,
  why: string,
  deps: ContextDeps,
  emit: ReturnType<typeof emitterFor>,
): Promise<GateChoice> {
  const preview = await previewStep(step, why, deps);
  emit({ type: 'prompt', stepId: step.id, kind: 'gate', question: `Run "${step.title}"?` });
  const choice = await gate(preview);
  emit({ type: 'prompt-answered', stepId: step.id, kind: 'gate', answer: choice });
  return choice;
}

async function markSkipped(step: Step, store: LedgerStore, emit: ReturnType<typeof emitterFor>, reason: SkipReason): Promise<void> {
  const record = stepRecord(store.data, step.id);
  record.status = 'skipped';
  record.skipReason = skipRecordText(reason);
  await store.save();
  const attempt = record.attempts;
  emit({ type: 'step', stepId: step.id, phase: 'skipped', status: 'skipped', attempt, reason: skipText(reason), skip: reason });
}

function stepInfos(steps: readonly Step[], ledger: LedgerData, decisions: ReadonlyMap<string, Decision>): StepInfo[] {
  return steps.map((step) => {
    const record = ledger.steps[step.id];
    return {
      id: step.id,
      title: step.title,
      status: record?.status ?? 'pending',
      attempts: record?.attempts ?? 0,
      selected: decisions.get(step.id)?.kind !== 'not-selected',
    };
  });
}

/** Runs the step's `run` in plan mode with the real outputs of earlier steps. */
async function previewStep(step: Step, reason: string, deps: ContextDeps): Promise<StepPreview> {
  const { commands, files } = await recordStep(step, deps);
  return { step, reason, commands, files };
}

function failureOf(step: Step, record: StepRecord): StepFailedError {
  return new StepFailedError(step.id, `Step "${step.id}" (${step.title}) failed: ${record.error ?? 'unknown error'}`, record.hints ?? []);
}
