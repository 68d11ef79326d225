/**
 * The run's event bus: the engine emits, views and writers subscribe. It also folds every event
 * into a snapshot of each step's cell, so a subscriber that arrives late (a browser tab opened
 * mid-run, a dashboard reconnecting) starts from the current state instead of replaying history.
 *
 *   const bus = createProgressBus();
 *   const { snapshot, unsubscribe } = bus.subscribeWithSnapshot((event) => send(event));
 *
 * Delivery is synchronous and in order; a listener must not throw (a display never stops a run,
 * so an exception here is a bug and surfaces in the engine).
 */
import type { Clock } from '../kernel/clock.js';
import type { CommandInfo, RunEvent, RunEventInput, RunOutcome, RunSummary, SkipReason, StepPhase, StepStatus } from './progress-events.js';

/** A step's cell, as a browser notebook or a terminal view would draw it. */
export interface StepCell {
  readonly id: string;
  title: string;
  status: StepStatus;
  phase?: StepPhase | undefined;
  selected: boolean;
  attempt: number;
  reason?: string | undefined;
  skip?: SkipReason | undefined;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
  error?: string | undefined;
  hints?: readonly string[] | undefined;
  /** The latest lines of the current attempt (at most MAX_CELL_LOG_LINES; the log file has all). */
  logs: string[];
  /** Commands of the current attempt. */
  commands: CommandInfo[];
  /** A question waiting for an answer under this step. */
  prompt?: { readonly kind: 'gate' | 'confirm'; readonly question: string } | undefined;
}

export interface RunSnapshot {
  runId?: string | undefined;
  kind?: 'run' | 'teardown' | undefined;
  guided: boolean;
  startedAt?: string | undefined;
  /** In flow order (the order of run-start), then any step first seen later. */
  steps: StepCell[];
  end?:
    | { readonly at: string; readonly outcome: RunOutcome; readonly stepId?: string; readonly error?: string; readonly summary: RunSummary }
    | undefined;
}

export const MAX_CELL_LOG_LINES = 200;

export type ProgressListener = (event: RunEvent) => void;

export interface ProgressBus {
  emit(event: RunEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ProgressListener): () => void;
  /** A deep copy of every step's current cell. */
  snapshot(): RunSnapshot;
  /** The snapshot and the subscription taken at the same instant: no event falls between them. */
  subscribeWithSnapshot(listener: ProgressListener): { snapshot: RunSnapshot; unsubscribe: () => void };
}

export function createProgressBus(): ProgressBus {
  const listeners = new Set<ProgressListener>();
  const state = emptySnapshot();
  const subscribe = (listener: ProgressListener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return {
    emit(event) {
      applyRunEvent(state, event);
      for (const listener of [...listeners]) listener(event);
    },
    subscribe,
    snapshot: () => structuredClone(state),
    subscribeWithSnapshot(listener) {
      return { snapshot: structuredClone(state), unsubscribe: subscribe(listener) };
    },
  };
}

/** Stamps each event with the clock's time: what the engine and teardown emit through. */
export function emitterFor(bus: ProgressBus, clock: Clock): (event: RunEventInput) => void {
  // The spread adds the one field RunEventInput lacks; TypeScript cannot follow it through the union.
  return (event) => bus.emit({ ...event, at: clock.now().toISOString() });
}

export function emptySnapshot(): RunSnapshot {
  return { guided: false, steps: [] };
}

/** Folds one event into the snapshot (also usable on its own, e.g. by a browser). */
export function applyRunEvent(snapshot: RunSnapshot, event: RunEvent): void {
  switch (event.type) {
    case 'run-start':
      snapshot.runId = event.runId;
      snapshot.kind = event.kind;
      snapshot.guided = event.guided;
      snapshot.startedAt = event.at;
      snapshot.end = undefined;
      snapshot.steps = event.steps.map(({ attempts, ...info }) => ({ ...info, attempt: attempts, logs: [], commands: [] }));
      return;
    case 'step': {
      const cell = cellOf(snapshot, event.stepId);
      if (event.phase === 'checking') {
        cell.logs = [];
        cell.commands = [];
        cell.startedAt = event.startedAt;
        cell.endedAt = undefined;
        cell.error = undefined;
        cell.hints = undefined;
      }
      cell.phase = event.phase;
      cell.status = event.status;
      cell.attempt = event.attempt;
      cell.skip = event.skip;
      cell.prompt = undefined;
      if (event.reason !== undefined) cell.reason = event.reason;
      if (event.startedAt !== undefined) cell.startedAt = event.startedAt;
      if (event.endedAt !== undefined) cell.endedAt = event.endedAt;
      if (event.error !== undefined) cell.error = event.error;
      if (event.hints !== undefined) cell.hints = [...event.hints];
      return;
    }
    case 'log': {
      const cell = cellOf(snapshot, event.stepId);
      cell.logs.push(event.line);
      if (cell.logs.length > MAX_CELL_LOG_LINES) cell.logs.splice(0, cell.logs.length - MAX_CELL_LOG_LINES);
      return;
    }
    case 'command': {
      const { type: _type, at: _at, stepId, ...command } = event;
      cellOf(snapshot, stepId).commands.push(command);
      return;
    }
    case 'prompt':
      cellOf(snapshot, event.stepId).prompt = { kind: event.kind, question: event.question };
      return;
    case 'prompt-answered':
      cellOf(snapshot, event.stepId).prompt = undefined;
      if (event.kind === 'gate' && event.answer === 'all') snapshot.guided = false;
      return;
    case 'run-end':
      snapshot.end = {
        at: event.at,
        outcome: event.outcome,
        summary: event.summary,
        ...(event.stepId !== undefined ? { stepId: event.stepId } : {}),
        ...(event.error !== undefined ? { error: event.error } : {}),
      };
      return;
  }
}

function cellOf(snapshot: RunSnapshot, stepId: string): StepCell {
  let cell = snapshot.steps.find((s) => s.id === stepId);
  if (!cell) {
    cell = { id: stepId, title: stepId, status: 'pending', selected: true, attempt: 0, logs: [], commands: [] };
    snapshot.steps.push(cell);
  }
  return cell;
}
