import { appendFile, mkdir } from 'node:fs/promises';
import type { AnswerKey } from '../kernel/answer-keys.js';
import { stepRecord } from '../checkpoints/ledger.js';
import type { LedgerStore } from '../checkpoints/ledger-store.js';
import type { StepRecord } from '../checkpoints/ledger-schema.js';
import { answersFingerprint, changedAnswers } from './answers-hash.js';
import type { CommandEvent } from './command-runner.js';
import { InterruptedError, StepFailedError, UsageError } from '../kernel/errors.js';
import { hintsFor } from './known-failures.js';
import { abortedSoon, interruptionName, isInterruption } from './interruption.js';
import { resolvePending, writeAheadHooks } from './write-ahead.js';
import { recordStep } from './plan.js';
import type { ProgressView } from './progress.js';
import { createStepContext, stepPaths, type ContextDeps, type GeneratedFile } from './step-context.js';
import { findStep, fromOnward, verifyStepList } from './step-graph.js';
import type { Outputs, Step } from './step.js';
import type { Clock } from '../kernel/clock.js';

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
  readonly view: ProgressView;
  readonly from?: string;
  readonly only?: string;
  readonly serial?: boolean;
  /** Guided mode: asked before each step that will do something. */
  readonly gate?: (preview: StepPreview) => Promise<GateChoice>;
}

export interface EngineResult {
  readonly outcome: 'done' | 'quit';
}

type Live = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

/**
 * Runs the steps in dependency order, checkpointing each one the moment it ends.
 * A recorded success is reused without running a single command, unless the step re-runs
 * every time (read-only preflight), `--from`/`--only` names it, or an answer it reads changed
 * (then its read-only `check` runs again first).
 */
export async function runEngine(options: EngineOptions): Promise<EngineResult> {
  const { steps, store, view, signal } = options;
  verifyStepList(steps);
  const ledger = store.data;
  const forced = new Set<string>();
  let selected = new Set(steps.map((s) => s.id));
  if (options.from) fromOnward(steps, findStep(steps, options.from, '--from').id).forEach((id) => forced.add(id));
  if (options.only) {
    const step = findStep(steps, options.only, '--only');
    const notDone = step.after.filter((dep) => !['done', 'skipped'].includes(ledger.steps[dep]?.status ?? 'pending'));
    if (notDone.length > 0) {
      throw new UsageError(`--only ${step.id}: it depends on ${notDone.join(', ')}, which ${notDone.length > 1 ? 'are' : 'is'} not done yet.`, [
        `Run them first: ratify-runbook run --only ${notDone[0]} (or run without --only).`,
      ]);
    }
    selected = new Set([step.id]);
    forced.add(step.id);
  }

  const live = new Map<string, Live>();
  for (const step of steps) {
    const status = ledger.steps[step.id]?.status;
    live.set(step.id, selected.has(step.id) ? 'pending' : status === 'done' || status === 'skipped' ? 'ok' : 'pending');
  }
  const contextDeps: ContextDeps = {
    ...options.context,
    mode: 'run',
    runId: ledger.runId,
    outputsOf: (id) => ledger.steps[id]?.outputs,
  };

  let guided = options.gate !== undefined;
  let failure: StepFailedError | undefined;
  const running = new Map<string, Promise<void>>();

  const execute = (step: Step, reason: string): Promise<void> => {
    live.set(step.id, 'running');
    const promise = executeStep(step, reason, contextDeps, options.wallClock ?? contextDeps.clock, store, view, signal).then(
      (ok) => {
        live.set(step.id, ok ? 'ok' : 'failed');
        if (!ok && !failure) failure = failureOf(step, stepRecord(ledger, step.id));
      },
    );
    running.set(step.id, promise.finally(() => running.delete(step.id)));
    return promise;
  };

  // A view shows one batch at a time: everything at once, or in guided mode one step per
  // batch (so the question before the next step is never drawn over a live renderer).
  let batchOpen = false;
  const openBatch = (ids: (id: string) => boolean) => {
    view.begin(steps.filter((s) => ids(s.id)).map(({ id, title }) => ({ id, title })));
    batchOpen = true;
  };
  const closeBatch = async () => {
    if (batchOpen) await view.end();
    batchOpen = false;
  };
  if (!guided) openBatch((id) => selected.has(id));
  try {
    for (;;) {
      if (signal.aborted) break;
      let progressed = false;
      for (const step of steps) {
        if (live.get(step.id) !== 'pending' || !selected.has(step.id)) continue;
        const deps = step.after.map((id) => ({ id, state: live.get(id) }));
        const skippedDep = deps.find((d) => d.state === 'skipped' && ledger.steps[d.id]?.skipReason?.startsWith('skipped'));
        if (skippedDep) {
          await markSkipped(step, store, view, `skipped because ${skippedDep.id} was skipped`);
          live.set(step.id, 'skipped');
          progressed = true;
          continue;
        }
        if (failure || !deps.every((d) => d.state === 'ok' || d.state === 'skipped')) continue;
        if (options.serial || guided) {
          if (running.size > 0) break;
          // In serial order a step waits for every earlier selected step, not only its deps.
          const earlierPending = steps
            .slice(0, steps.indexOf(step))
            .some((s) => selected.has(s.id) && (live.get(s.id) === 'pending' || live.get(s.id) === 'running'));
          if (earlierPending) break;
        }
        const decision = decide(step, stepRecord(ledger, step.id), contextDeps, forced);
        if (decision.kind === 'skip') {
          await markSkipped(step, store, view, decision.reason, false);
          live.set(step.id, 'skipped');
          progressed = true;
          continue;
        }
        if (decision.kind === 'reuse') {
          view.phase(step.id, 'reused', 'done in an earlier run');
          live.set(step.id, 'ok');
          progressed = true;
          continue;
        }
        if (guided && options.gate) {
          const choice = await options.gate(await previewStep(step, decision.reason, contextDeps));
          if (choice === 'quit') return { outcome: 'quit' };
          if (choice === 'skip') {
            await markSkipped(step, store, view, 'skipped at the prompt');
            live.set(step.id, 'skipped');
            progressed = true;
            continue;
          }
          if (choice === 'all') {
            guided = false;
            openBatch((id) => selected.has(id) && live.get(id) === 'pending');
          } else {
            openBatch((id) => id === step.id);
            await execute(step, decision.reason);
            await closeBatch();
            progressed = true;
            break;
          }
        }
        void execute(step, decision.reason);
        progressed = true;
        if (options.serial || guided) break;
      }
      if (running.size > 0) {
        await Promise.race(running.values());
        continue;
      }
      if (!progressed) break;
    }
    await Promise.all(running.values());
  } finally {
    await closeBatch();
  }
  if (signal.aborted) throw new InterruptedError(`Interrupted by ${interruptionName(signal)}. Run the same command again to resume where it stopped.`);
  if (failure) throw failure;
  return { outcome: 'done' };
}

type Decision = { kind: 'skip'; reason: string } | { kind: 'reuse' } | { kind: 'execute'; reason: string; check: boolean };

function decide(step: Step, record: StepRecord, deps: ContextDeps, forced: Set<string>): Decision {
  const skipReason = step.skipWhen?.(deps.answers as never);
  if (skipReason) return { kind: 'skip', reason: skipReason };
  if (record.status !== 'done') return { kind: 'execute', reason: record.attempts > 0 ? `resuming (${record.status})` : 'first run', check: true };
  if (step.rerunEveryTime) return { kind: 'execute', reason: 'read-only, runs every time', check: true };
  if (forced.has(step.id)) return { kind: 'execute', reason: 're-check requested (--from/--only)', check: true };
  const changed = changedAnswers(record.answersUsed, answersFingerprint(step.needs as readonly AnswerKey[], deps.answers));
  if (changed.length > 0) return { kind: 'execute', reason: `answer changed: ${changed.join(', ')}`, check: true };
  return { kind: 'reuse' };
}

async function executeStep(
  step: Step,
  reason: string,
  deps: ContextDeps,
  wall: Clock,
  store: LedgerStore,
  view: ProgressView,
  signal: AbortSignal,
): Promise<boolean> {
  const record = stepRecord(store.data, step.id);
  const attempt = record.attempts + 1;
  const logName = `logs/${step.id}.${attempt}.log`;
  const paths = stepPaths(deps.stateDir);
  await mkdir(paths.logsDir, { recursive: true });
  Object.assign(record, {
    status: 'running',
    attempts: attempt,
    startedAt: wall.now().toISOString(),
    endedAt: undefined,
    error: undefined,
    hints: undefined,
    skipReason: undefined,
    commands: [],
  });
  record.logs.push(logName);
  await store.save();
  view.phase(step.id, 'checking', reason);
  const logLine = (line: string) => {
    view.log(step.id, line);
    void appendFile(`${paths.stateDir}/${logName}`, `# ${line}\n`).catch(() => {});
  };
  const ctx = createStepContext(step, deps, {
    attempt,
    signal,
    onCommand: (event) => {
      record.commands.push({
        argv: [...event.argv],
        exitCode: event.exitCode,
        ms: event.ms,
        mutates: event.mutates,
        attempt,
        output: trimOutput(event.stdout || event.stderr),
      });
    },
    onLog: logLine,
    ...writeAheadHooksFor(store, record, wall),
    onFile: () => {},
  });
  try {
    // What an interrupted attempt may have created is settled first, so check() finding it
    // (and skipping the create) never leaves it out of the ledger.
    await resolvePending(ctx, record, deps.runId, store, logLine);
    let outputs: Outputs | undefined = await step.check(ctx);
    if (outputs) {
      logLine('already done (check found it): nothing to change');
    } else {
      view.phase(step.id, 'running');
      outputs = await step.run(ctx);
    }
    const missing = step.produces.filter((name) => typeof outputs?.[name] !== 'string');
    if (missing.length > 0) throw new Error(`step "${step.id}" did not produce ${missing.join(', ')} (a bug in the step).`);
    record.outputs = { ...outputs };
    record.answersUsed = answersFingerprint(step.needs as readonly AnswerKey[], deps.answers);
    record.status = 'done';
    record.endedAt = wall.now().toISOString();
    await store.save();
    view.phase(step.id, 'done');
    return true;
  } catch (error) {
    // A child that died of the terminal's Ctrl-C fails a moment before this process's own handler runs.
    const interrupted = isInterruption(error) || (await abortedSoon(signal));
    const message = deps.redactor.redact(error instanceof Error ? error.message : String(error));
    record.status = interrupted ? 'interrupted' : 'failed';
    record.error = interrupted ? `interrupted by ${interruptionName(signal)}; the next run resumes here` : message;
    record.hints = interrupted ? undefined : hintsFor(step, `${message}\n${commandOutput(error)}`);
    record.endedAt = wall.now().toISOString();
    await store.save();
    view.phase(step.id, interrupted ? 'interrupted' : 'failed', record.error);
    return false;
  }
}

function writeAheadHooksFor(store: LedgerStore, record: StepRecord, wall: Clock) {
  const hooks = writeAheadHooks(store, record, () => wall.now());
  return { onCreated: hooks.created, onWillCreate: hooks.willCreate };
}

async function markSkipped(step: Step, store: LedgerStore, view: ProgressView, reason: string, propagates = true): Promise<void> {
  const record = stepRecord(store.data, step.id);
  record.status = 'skipped';
  // "skipped ..." reasons propagate to dependents; a step that does not apply (skipWhen) does not.
  record.skipReason = propagates ? reason : `not applicable: ${reason}`;
  await store.save();
  view.phase(step.id, 'skipped', reason);
}

/** Runs the step's `run` in plan mode with the real outputs of earlier steps. */
export async function previewStep(step: Step, reason: string, deps: ContextDeps): Promise<StepPreview> {
  const { commands, files } = await recordStep(step, deps);
  return { step, reason, commands, files };
}

function failureOf(step: Step, record: StepRecord): StepFailedError {
  return new StepFailedError(step.id, `Step "${step.id}" (${step.title}) failed: ${record.error ?? 'unknown error'}`, record.hints ?? []);
}

function commandOutput(error: unknown): string {
  const result = (error as { result?: { stderr?: string; stdout?: string } })?.result;
  return result ? `${result.stderr ?? ''}\n${result.stdout ?? ''}` : '';
}

function trimOutput(text: string, maxLines = 20): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines - 2), `... (${lines.length - maxLines + 2} more lines in the step's log)`].join('\n');
}
