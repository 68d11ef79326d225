import { mkdir } from 'node:fs/promises';
import { stepRecord } from '../checkpoints/ledger.js';
import type { LedgerStore } from '../checkpoints/ledger-store.js';
import type { Clock } from '../kernel/clock.js';
import { answersFingerprint } from './answers-hash.js';
import type { StepRecord } from '../checkpoints/ledger-schema.js';
import { abortedSoon, interruptionName, isInterruption } from './interruption.js';
import { hintsFor } from './known-failures.js';
import { resolvePending, writeAheadHooks } from './write-ahead.js';
import type { RunEventInput } from './progress-events.js';
import { createStepContext, stepPaths, type ContextDeps } from './step-context.js';
import { appendStepLog, releaseStepLog } from './step-log.js';
import type { Outputs, Step } from './step.js';

export interface ExecuteStepOptions {
  readonly step: Step;
  /** Why it runs now ("first run", "answer changed: tag"): shown and sent with the step's start. */
  readonly why: string;
  readonly deps: ContextDeps;
  /** Real time for the ledger's timestamps (steps may see a scaled clock). */
  readonly wallClock: Clock;
  readonly store: LedgerStore;
  readonly emit: (event: RunEventInput) => void;
  readonly signal: AbortSignal;
}

/**
 * One attempt at one step, checkpointed: the attempt is recorded as running before anything
 * runs, then its read-only check; `run` only when the check finds the work not done; the outcome
 * (outputs and the answers used, or the error with hints) is saved the moment it ends.
 * Resolves true when the step is done.
 */
export async function executeStep(options: ExecuteStepOptions): Promise<boolean> {
  const { step, why, deps, wallClock: wall, store, emit, signal } = options;
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
  // Neither waited for nor fsynced: the store writes in order, so the step's first write-ahead
  // record (saved durably, and waited for, before anything is created) lands after this and
  // carries it. A kill or power cut before then leaves the step looking not started, which a
  // resume treats the same.
  store.save({ durable: false }).catch(() => {});
  emit({ type: 'step', stepId: step.id, phase: 'checking', status: 'running', attempt, reason: why, startedAt: record.startedAt });
  const logLine = (line: string) => {
    emit({ type: 'log', stepId: step.id, line });
    void appendStepLog(`${paths.stateDir}/${logName}`, `# ${line}\n`).catch(() => {});
  };
  // A step's yes/no question is part of its story: watchers see it asked and answered.
  const stepDeps: ContextDeps = {
    ...deps,
    confirm: async (question, nonInteractiveAnswer, stepId) => {
      emit({ type: 'prompt', stepId, kind: 'confirm', question });
      const yes = await deps.confirm(question, nonInteractiveAnswer, stepId);
      emit({ type: 'prompt-answered', stepId, kind: 'confirm', answer: yes ? 'yes' : 'no' });
      return yes;
    },
  };
  try {
    const ctx = createStepContext(step, stepDeps, {
      attempt,
      signal,
      onCommand: (event) => {
        const command = {
          argv: [...event.argv],
          exitCode: event.exitCode,
          ms: event.ms,
          mutates: event.mutates,
          attempt,
          output: trimOutput(event.stdout || event.stderr),
        };
        record.commands.push(command);
        emit({ type: 'command', stepId: step.id, ...command });
      },
      onLog: logLine,
      // Write-ahead records are saved before the step goes on; so is a created resource none announced.
      ...writeAheadHooksFor(store, record, wall),
      onFile: () => {},
    });
    // What an interrupted attempt may have created is settled first, so check() finding it
    // (and skipping the create) never leaves it out of the ledger.
    await resolvePending(ctx, record, deps.runId, store, logLine);
    let outputs: Outputs | undefined = await step.check(ctx);
    if (outputs) {
      logLine('already done (check found it): nothing to change');
    } else {
      emit({ type: 'step', stepId: step.id, phase: 'running', status: 'running', attempt });
      outputs = await step.run(ctx);
    }
    const missing = step.produces.filter((name) => typeof outputs?.[name] !== 'string');
    if (missing.length > 0) throw new Error(`step "${step.id}" did not produce ${missing.join(', ')} (a bug in the step).`);
    record.outputs = { ...outputs };
    record.answersUsed = answersFingerprint(step.needs, deps.answers);
    record.status = 'done';
    record.endedAt = wall.now().toISOString();
    // The steps that follow need not wait for the disk: the store writes in order, so anything
    // they save lands after this outcome and carries it, and the engine waits for every write
    // before the run ends (a failed write surfaces there). Lost to a crash before it lands, the
    // step is checked again on resume: its check finds the work done, or its run, which is safe
    // to repeat, redoes only what is missing.
    store.save().catch(() => {});
    emit({ type: 'step', stepId: step.id, phase: 'done', status: 'done', attempt, endedAt: record.endedAt });
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
    emit({
      type: 'step',
      stepId: step.id,
      phase: record.status,
      status: record.status,
      attempt,
      endedAt: record.endedAt,
      error: record.error,
      ...(record.hints ? { hints: record.hints } : {}),
    });
    return false;
  } finally {
    await releaseStepLog(`${paths.stateDir}/${logName}`);
  }
}

function writeAheadHooksFor(store: LedgerStore, record: StepRecord, wall: Clock) {
  const hooks = writeAheadHooks(store, record, () => wall.now());
  return { onCreated: hooks.created, onWillCreate: hooks.willCreate };
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
