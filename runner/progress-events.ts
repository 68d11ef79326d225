/**
 * What a run tells whoever watches it: the terminal views, the notebook writer, the workshop
 * matrix, and later a browser over server-sent events. Every event is plain JSON (strings,
 * numbers, booleans, arrays, objects: `JSON.parse(JSON.stringify(event))` is the same event),
 * and together they carry enough to rebuild each step's cell without reading the ledger.
 *
 * The order for one step of a run:
 *   step(checking) -> log/command... -> [step(running) -> log/command...] -> step(done|failed|interrupted)
 * or a single step(reused) or step(skipped). A run opens with `run-start` and closes with `run-end`.
 */
import type { CommandRecord, StepStatus } from '../checkpoints/ledger-schema.js';

export type { StepStatus };

/**
 * Why a step was skipped, as data: whether the steps that need it are skipped too follows
 * from the kind, never from the wording.
 */
export type SkipReason =
  /** The answers make the step pointless (createBaseResources: false): dependents still run. */
  | { readonly kind: 'not-applicable'; readonly why: string }
  /** The person at the guided prompt chose Skip: dependents are skipped too. */
  | { readonly kind: 'declined' }
  /** A step it needs was skipped (and that skip propagates). */
  | { readonly kind: 'dependency-skipped'; readonly dependency: string };

/** A step that does not apply leaves nothing missing; any other skip does. */
export function skipPropagates(reason: SkipReason): boolean {
  return reason.kind !== 'not-applicable';
}

/** The short text shown beside a skipped step. */
export function skipText(reason: SkipReason): string {
  switch (reason.kind) {
    case 'not-applicable':
      return reason.why;
    case 'declined':
      return 'skipped at the prompt';
    case 'dependency-skipped':
      return `skipped because ${reason.dependency} was skipped`;
  }
}

/** The text the ledger keeps (`status --json` skipReason). */
export function skipRecordText(reason: SkipReason): string {
  return reason.kind === 'not-applicable' ? `not applicable: ${reason.why}` : skipText(reason);
}

/**
 * Finer than the status: `checking` (its read-only check runs) and `running` (it changes
 * things) are both status `running`; `reused` (done in an earlier run, nothing repeated) is `done`.
 */
export type StepPhase = 'checking' | 'running' | 'done' | 'reused' | 'failed' | 'skipped' | 'interrupted';

/** One external command of a step: the ledger's own record of it (argv and output redacted). */
export type CommandInfo = CommandRecord;

/** A step as a run starts: what it is and where the ledger says it stands. */
export interface StepInfo {
  readonly id: string;
  readonly title: string;
  readonly status: StepStatus;
  readonly attempts: number;
  /** False for the steps `--only` leaves out: they keep their status and never start. */
  readonly selected: boolean;
}

export type RunOutcome = 'done' | 'failed' | 'interrupted' | 'quit';

/** What a finished run proved and left behind, for the closing summary. */
export interface RunSummary {
  /** Sentences from the steps that prove the setup works (the signed pod ran, the unsigned one was denied). */
  readonly payoff: readonly string[];
  /** Every resource the ledger records as created by this runbook, in step order. */
  readonly created: readonly { readonly stepId: string; readonly kind: string; readonly id: string; readonly label: string }[];
  /** Steps this run skipped in a way that leaves work undone (at the prompt, or after such a step). */
  readonly skipped: readonly { readonly stepId: string; readonly skip: SkipReason }[];
}

export type RunEvent =
  | {
      readonly type: 'run-start';
      readonly at: string;
      readonly runId: string;
      /** `run` sets up; `teardown` removes (step titles then read "Tear down: ..."). */
      readonly kind: 'run' | 'teardown';
      /** Guided: a question before each step (a view shows one step at a time). */
      readonly guided: boolean;
      readonly steps: readonly StepInfo[];
    }
  | {
      readonly type: 'step';
      readonly at: string;
      readonly stepId: string;
      readonly phase: StepPhase;
      /** The word `status --json` uses for this phase. */
      readonly status: StepStatus;
      readonly attempt: number;
      /** Why it runs ("first run", "answer changed: tag"), or why it was reused. */
      readonly reason?: string;
      readonly skip?: SkipReason;
      readonly startedAt?: string;
      readonly endedAt?: string;
      /** Failed or interrupted: the redacted message, and what to do about it. */
      readonly error?: string;
      readonly hints?: readonly string[];
    }
  | { readonly type: 'log'; readonly at: string; readonly stepId: string; readonly line: string }
  | ({ readonly type: 'command'; readonly at: string; readonly stepId: string } & CommandInfo)
  | {
      readonly type: 'prompt';
      readonly at: string;
      readonly stepId: string;
      /** `gate`: guided mode's Run/Skip/All/Quit before a step; `confirm`: a step's yes/no question. */
      readonly kind: 'gate' | 'confirm';
      readonly question: string;
    }
  | {
      readonly type: 'prompt-answered';
      readonly at: string;
      readonly stepId: string;
      readonly kind: 'gate' | 'confirm';
      /** gate: run, skip, all or quit; confirm: yes or no. */
      readonly answer: string;
    }
  | {
      readonly type: 'run-end';
      readonly at: string;
      readonly outcome: RunOutcome;
      /** The step that failed or was interrupted first. */
      readonly stepId?: string;
      readonly error?: string;
      readonly hints?: readonly string[];
      readonly summary: RunSummary;
    };

/** An event before its timestamp: what emitters build (the bus's owner stamps `at`). */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'at'> : never) : never;
