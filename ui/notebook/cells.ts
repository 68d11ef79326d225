/**
 * A step's cell as the page draws it: the live cell from the run's events merged with the
 * ledger on disk (outputs, and the commands of a step done in an earlier run), plus the
 * commands it will run. The first page and every live update are drawn from this one shape.
 */
import type { StepRecord } from '../../checkpoints/ledger-schema.js';
import type { StepCell } from '../../runner/progress-bus.js';
import { skipText, type CommandInfo, type StepPhase, type StepStatus } from '../../runner/progress-events.js';
import type { Step } from '../../runner/step.js';
import type { NotebookSession } from './session.js';

export interface CellView {
  readonly id: string;
  readonly index: number;
  readonly title: string;
  readonly explain: string;
  /** The word of `status --json`. */
  readonly status: StepStatus;
  readonly phase?: StepPhase | undefined;
  readonly attempt: number;
  readonly reason?: string | undefined;
  readonly startedAt?: string | undefined;
  readonly endedAt?: string | undefined;
  readonly error?: string | undefined;
  readonly hints: readonly string[];
  /** The latest lines of the current attempt's output. */
  readonly logs: readonly string[];
  /** Commands that ran (this attempt, or the last one the ledger recorded). */
  readonly ran: readonly Pick<CommandInfo, 'argv' | 'exitCode' | 'ms' | 'output'>[];
  /** Commands it will run: `exact` once its gate showed them with earlier steps' real outputs. */
  readonly planned?:
    { readonly exact: boolean; readonly commands: readonly (readonly string[])[]; readonly files: readonly string[] } | undefined;
  readonly outputs: Readonly<Record<string, string>>;
  /** Waiting at the guided gate: Run / Skip / Run all / Stop. */
  readonly asking: boolean;
  /** Failed or interrupted, and nothing runs now: Retry resumes here. */
  readonly retry: boolean;
  /** The step's log file of its latest attempt, relative to the state dir. */
  readonly logFile?: string | undefined;
}

export function cellViews(session: NotebookSession): CellView[] {
  const live = new Map(session.snapshot.steps.map((cell) => [cell.id, cell]));
  return session.options.steps.map((step, index) => cellView(session, step, index, live.get(step.id), session.ledger?.steps[step.id]));
}

/** A cell from the ledger alone (a workshop attendee's notebook): nothing is asked there. */
export function ledgerCellView(step: Step, index: number, record: StepRecord | undefined, locked: boolean): CellView {
  const status: StepStatus = record?.status === 'running' && !locked ? 'interrupted' : (record?.status ?? 'pending');
  return {
    id: step.id,
    index,
    title: step.title,
    explain: step.explain,
    status,
    attempt: record?.attempts ?? 0,
    reason: record?.skipReason,
    startedAt: record?.startedAt,
    endedAt: record?.endedAt,
    error: record?.error,
    hints: record?.hints ?? [],
    logs: [],
    ran: record?.commands ?? [],
    outputs: status === 'done' ? (record?.outputs ?? {}) : {},
    asking: false,
    retry: false,
    logFile: record?.logs.at(-1),
  };
}

export function cellView(
  session: NotebookSession,
  step: Step,
  index: number,
  live: StepCell | undefined,
  record: StepRecord | undefined,
): CellView {
  const idle = session.phase === 'idle';
  // A step the ledger says is running, with no run here, was cut off (a killed process).
  const base = ledgerCellView(step, index, record, !idle && live !== undefined);
  const status: StepStatus = live?.status ?? base.status;
  const here = {
    planned: session.planned(step.id),
    asking: session.gateStep === step.id,
    retry: idle && (status === 'failed' || status === 'interrupted'),
  };
  if (!live) return { ...base, ...here };
  const ran = live.commands.length > 0 || live.phase === 'checking' || live.phase === 'running';
  return {
    ...base,
    ...here,
    status,
    phase: live.phase,
    attempt: Math.max(live.attempt, base.attempt),
    reason: live.skip ? skipText(live.skip) : (live.reason ?? base.reason),
    startedAt: live.startedAt ?? base.startedAt,
    endedAt: live.endedAt ?? base.endedAt,
    error: live.error ?? (status === record?.status || status === base.status ? base.error : undefined),
    hints: live.hints ?? base.hints,
    logs: live.logs,
    ran: ran ? live.commands : base.ran,
    outputs: status === 'done' ? (record?.outputs ?? {}) : {},
  };
}
