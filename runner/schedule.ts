/**
 * The scheduler's rules, as data and pure functions: which steps an invocation considers, what
 * each one will do (skip, reuse, execute), which answers that needs, and what may happen next.
 * `run` uses `decideSteps` to know which answers to ask; the engine uses the same decisions to
 * run, so the two can never disagree.
 */
import type { LedgerData, StepRecord } from '../checkpoints/ledger-schema.js';
import type { AnswerKey, Answers } from '../kernel/answer-keys.js';
import { UsageError } from '../kernel/errors.js';
import { answersFingerprint, changedAnswers } from './answers-hash.js';
import { skipPropagates, type SkipReason } from './progress-events.js';
import { findStep, fromOnward } from './step-graph.js';
import type { Step } from './step.js';

export interface Selection {
  /** The steps this invocation may run: all of them, or the one `--only` names. */
  readonly selected: ReadonlySet<string>;
  /** Re-checked even when done: `--from` and everything after it, or the `--only` step. */
  readonly forced: ReadonlySet<string>;
}

/** `--from` / `--only` as a selection; `--only` refuses a step whose dependencies are not done. */
export function selectSteps(
  steps: readonly Step[],
  ledger: LedgerData,
  flags: { from?: string | undefined; only?: string | undefined },
): Selection {
  if (flags.only) {
    const step = findStep(steps, flags.only, '--only');
    const notDone = step.after.filter((dep) => !['done', 'skipped'].includes(ledger.steps[dep]?.status ?? 'pending'));
    if (notDone.length > 0) {
      const which = `${notDone.join(', ')}, which ${notDone.length > 1 ? 'are' : 'is'}`;
      throw new UsageError(`--only ${step.id}: it depends on ${which} not done yet.`, [
        `Run them first: ratify-runbook run --only ${notDone[0]} (or run without --only).`,
      ]);
    }
    return { selected: new Set([step.id]), forced: new Set([step.id]) };
  }
  const forced = flags.from ? fromOnward(steps, findStep(steps, flags.from, '--from').id) : new Set<string>();
  return { selected: new Set(steps.map((s) => s.id)), forced };
}

/** What a step will do when its turn comes. */
export type Decision =
  /** Left out by `--only`: keeps its recorded status. */
  | { readonly kind: 'not-selected' }
  | { readonly kind: 'skip'; readonly reason: SkipReason }
  /** Done in an earlier run and nothing it reads changed: not a single command runs. */
  | { readonly kind: 'reuse' }
  | { readonly kind: 'execute'; readonly why: string };

/** The one place that decides, per step, whether it runs; answers must be the run's final ones. */
export function decideSteps(
  steps: readonly Step[],
  ledger: LedgerData,
  answers: Partial<Answers>,
  selection: Selection,
): Map<string, Decision> {
  const decisions = new Map(steps.map((step) => [step.id, decide(step, ledger.steps[step.id], answers, selection)]));
  // A done step read what the steps before it produced (a digest, a client id). When one of them
  // runs again, those may change, so the step runs again too; its check() keeps what still holds.
  // Read-only steps that run every time produce nothing a change would come from.
  const everyTime = new Set(steps.filter((s) => s.rerunEveryTime).map((s) => s.id));
  const rerunsWithNewOutputs = (id: string) => decisions.get(id)?.kind === 'execute' && !everyTime.has(id);
  for (let changed = true; changed;) {
    changed = false;
    for (const step of steps) {
      if (decisions.get(step.id)?.kind !== 'reuse') continue;
      const upstream = step.after.find(rerunsWithNewOutputs);
      if (!upstream) continue;
      decisions.set(step.id, { kind: 'execute', why: `${upstream} runs again` });
      changed = true;
    }
  }
  return decisions;
}

function decide(step: Step, record: StepRecord | undefined, answers: Partial<Answers>, selection: Selection): Decision {
  if (!selection.selected.has(step.id)) return { kind: 'not-selected' };
  const notApplicable = whyNotApplicable(step, answers);
  if (notApplicable) return { kind: 'skip', reason: notApplicable };
  if (!record || record.status !== 'done') {
    return { kind: 'execute', why: record && record.attempts > 0 ? `resuming (${record.status})` : 'first run' };
  }
  if (step.rerunEveryTime) return { kind: 'execute', why: 'read-only, runs every time' };
  if (selection.forced.has(step.id)) return { kind: 'execute', why: 're-check requested (--from/--only)' };
  const changed = changedAnswers(record.answersUsed, answersFingerprint(step.needs, answers));
  if (changed.length > 0) return { kind: 'execute', why: `answer changed: ${changed.join(', ')}` };
  return { kind: 'reuse' };
}

/** Set when the answers make the step pointless (its `onlyWhen` answer is not true). */
export function whyNotApplicable(step: Step, answers: Partial<Answers>): SkipReason | undefined {
  if (!step.onlyWhen || answers[step.onlyWhen.answer] === true) return undefined;
  return { kind: 'not-applicable', why: step.onlyWhen.otherwise };
}

/**
 * The answers the decided steps read: all the needs of a step that executes, and for a step
 * skipped as not applicable only the answer that decides it (so a person can still change it).
 */
export function answersNeeded(steps: readonly Step[], decisions: ReadonlyMap<string, Decision>): AnswerKey[] {
  const keys = new Set<AnswerKey>();
  for (const step of steps) {
    const decision = decisions.get(step.id);
    if (decision?.kind === 'execute') step.needs.forEach((key) => keys.add(key));
    else if (decision?.kind === 'skip' && step.onlyWhen) keys.add(step.onlyWhen.answer);
  }
  return [...keys];
}

/** Where a step stands during one invocation. */
export type Standing =
  | { readonly at: 'waiting' }
  | { readonly at: 'running' }
  | { readonly at: 'done' }
  | { readonly at: 'skipped'; readonly reason: SkipReason }
  | { readonly at: 'failed' }
  /** Not selected: `settled` when the ledger says done or skipped (it then satisfies the steps after it). */
  | { readonly at: 'outside'; readonly settled: boolean };

export function initialStandings(
  steps: readonly Step[],
  ledger: LedgerData,
  decisions: ReadonlyMap<string, Decision>,
): Map<string, Standing> {
  return new Map(
    steps.map((step): [string, Standing] => {
      if (decisions.get(step.id)?.kind !== 'not-selected') return [step.id, { at: 'waiting' }];
      const status = ledger.steps[step.id]?.status;
      return [step.id, { at: 'outside', settled: status === 'done' || status === 'skipped' }];
    }),
  );
}

export type Move =
  | { readonly kind: 'skip'; readonly step: Step; readonly reason: SkipReason }
  | { readonly kind: 'reuse'; readonly step: Step }
  | { readonly kind: 'start'; readonly step: Step; readonly why: string }
  /** Guided mode: the person decides first (run, skip, run all remaining, quit). */
  | { readonly kind: 'ask'; readonly step: Step; readonly why: string }
  /** Something is running: wait until it ends, then ask again. */
  | { readonly kind: 'wait' }
  /** Nothing more can happen in this invocation. */
  | { readonly kind: 'finished' };

export interface MoveRules {
  /** Serial or guided: a step starts only when no other runs and every earlier step has settled. */
  readonly oneAtATime: boolean;
  /** After a failure nothing new starts (skips still spread, so the record says why). */
  readonly halted: boolean;
  /** Guided: a step that would start is asked about first. */
  readonly gated: boolean;
}

/**
 * The next thing to do, in list order. A waiting step whose dependency was skipped (in a way that
 * spreads) is skipped; one whose dependencies are all settled follows its decision.
 */
export function nextMove(
  steps: readonly Step[],
  standings: ReadonlyMap<string, Standing>,
  decisions: ReadonlyMap<string, Decision>,
  rules: MoveRules,
): Move {
  const standing = (id: string): Standing => standings.get(id) ?? { at: 'waiting' };
  const running = steps.some((s) => standing(s.id).at === 'running');
  for (const [index, step] of steps.entries()) {
    if (standing(step.id).at !== 'waiting') continue;
    const skippedDep = step.after.find((dep) => {
      const s = standing(dep);
      return s.at === 'skipped' && skipPropagates(s.reason);
    });
    if (skippedDep) return { kind: 'skip', step, reason: { kind: 'dependency-skipped', dependency: skippedDep } };
    if (rules.halted || !step.after.every((dep) => satisfies(standing(dep)))) continue;
    if (rules.oneAtATime) {
      const earlierUnsettled = steps.slice(0, index).some((s) => ['waiting', 'running'].includes(standing(s.id).at));
      if (running || earlierUnsettled) break;
    }
    const decision = decisions.get(step.id);
    if (decision?.kind === 'skip') return { kind: 'skip', step, reason: decision.reason };
    if (decision?.kind === 'reuse') return { kind: 'reuse', step };
    if (decision?.kind === 'execute') return { kind: rules.gated ? 'ask' : 'start', step, why: decision.why };
  }
  return running ? { kind: 'wait' } : { kind: 'finished' };
}

function satisfies(standing: Standing): boolean {
  return standing.at === 'done' || standing.at === 'skipped' || (standing.at === 'outside' && standing.settled);
}
