import { describe, expect, it } from 'vitest';
import { newLedger } from '../../checkpoints/ledger.js';
import { emptyStepRecord, type LedgerData } from '../../checkpoints/ledger-schema.js';
import { answersFingerprint } from '../../runner/answers-hash.js';
import { answersNeeded, decideSteps, initialStandings, nextMove, selectSteps, type Move, type Standing } from '../../runner/schedule.js';
import { defineStep, type Step } from '../../runner/step.js';

const noop = { check: async () => undefined, run: async () => ({}) };
const step = (id: string, extra: Partial<Step> = {}): Step =>
  defineStep({ id, title: id, explain: '', needs: [], after: [], produces: [], ...extra, ...noop });

/** base (only with createBaseResources) -> pre -> a -> b; c after pre alone. */
const flow = [
  step('base', { needs: ['createBaseResources', 'location'], onlyWhen: { answer: 'createBaseResources', otherwise: 'no base wanted' } }),
  step('pre', { after: ['base'], needs: ['resourceGroup'], rerunEveryTime: true }),
  step('a', { after: ['pre'], needs: ['keyVaultName'] }),
  step('b', { after: ['a'], needs: ['tag'] }),
  step('c', { after: ['pre'], needs: ['policyName'] }),
];

function ledgerWith(done: Record<string, Partial<Record<'tag' | 'keyVaultName' | 'policyName', string>>>): LedgerData {
  const ledger = newLedger({ kind: 'sandbox' }, new Date(0), 'r1');
  for (const [id, used] of Object.entries(done)) {
    const s = flow.find((x) => x.id === id)!;
    ledger.steps[id] = { ...emptyStepRecord(), status: 'done', attempts: 1, answersUsed: answersFingerprint(s.needs, used) };
  }
  return ledger;
}

const all = { selected: new Set(flow.map((s) => s.id)), forced: new Set<string>() };

describe('which steps will run (decideSteps)', () => {
  it('skips a step whose onlyWhen answer is false as not applicable, reuses done steps, re-runs changed ones', () => {
    const ledger = ledgerWith({ pre: {}, a: { keyVaultName: 'kv1' }, b: { tag: 'v1' }, c: { policyName: 'p' } });
    const decisions = decideSteps(flow, ledger, { createBaseResources: false, keyVaultName: 'kv1', tag: 'v2', policyName: 'p' }, all);
    expect(Object.fromEntries(decisions)).toEqual({
      base: { kind: 'skip', reason: { kind: 'not-applicable', why: 'no base wanted' } },
      pre: { kind: 'execute', why: 'read-only, runs every time' },
      a: { kind: 'reuse' },
      b: { kind: 'execute', why: 'answer changed: tag' },
      c: { kind: 'reuse' },
    });
  });

  it('a done step runs again when a step it reads from runs again (the digest behind it may change), not after a read-only step', () => {
    const ledger = ledgerWith({ pre: {}, a: { keyVaultName: 'kv1' }, b: { tag: 'v1' }, c: { policyName: 'p' } });
    const decisions = decideSteps(flow, ledger, { createBaseResources: false, keyVaultName: 'kv2', tag: 'v1', policyName: 'p' }, all);
    expect(decisions.get('a')).toEqual({ kind: 'execute', why: 'answer changed: keyVaultName' });
    expect(decisions.get('b')).toEqual({ kind: 'execute', why: 'a runs again' });
    // c follows only pre, which runs every time and changes nothing.
    expect(decisions.get('c')).toEqual({ kind: 'reuse' });
    expect(answersNeeded(flow, decisions)).toContain('tag');
  });

  it('asks only what the decided steps read: a changed step all its needs, a not-applicable one only its deciding answer', () => {
    const ledger = ledgerWith({ pre: {}, a: { keyVaultName: 'kv1' }, b: { tag: 'v1' }, c: { policyName: 'p' } });
    const decisions = decideSteps(flow, ledger, { createBaseResources: false, keyVaultName: 'kv1', tag: 'v2', policyName: 'p' }, all);
    expect(answersNeeded(flow, decisions).sort()).toEqual(['createBaseResources', 'resourceGroup', 'tag']);
    // The same ledger with createBaseResources on: the base step and its location come in.
    const withBase = decideSteps(flow, ledger, { createBaseResources: true, keyVaultName: 'kv1', tag: 'v1', policyName: 'p' }, all);
    expect(answersNeeded(flow, withBase).sort()).toEqual(['createBaseResources', 'location', 'resourceGroup']);
  });

  it('an answer that is missing (e.g. rejected) counts as changed: the step runs and its answer is asked', () => {
    const ledger = ledgerWith({ pre: {}, a: { keyVaultName: 'kv1' }, b: { tag: 'v1' }, c: { policyName: 'p' } });
    const decisions = decideSteps(flow, ledger, { createBaseResources: false, keyVaultName: 'kv1', policyName: 'p' }, all);
    expect(decisions.get('b')).toEqual({ kind: 'execute', why: 'answer changed: tag' });
    expect(answersNeeded(flow, decisions)).toContain('tag');
  });

  it('--from forces that step and the ones after it; --only selects one step once its dependencies are done', () => {
    const ledger = ledgerWith({ pre: {}, a: {}, b: {}, c: {} });
    const from = decideSteps(flow, ledger, {}, selectSteps(flow, ledger, { from: 'b' }));
    expect(from.get('a')).toEqual({ kind: 'reuse' });
    expect(from.get('b')).toEqual({ kind: 'execute', why: 're-check requested (--from/--only)' });
    const only = decideSteps(flow, ledger, {}, selectSteps(flow, ledger, { only: 'a' }));
    expect([...only.values()].map((d) => d.kind)).toEqual(['not-selected', 'not-selected', 'execute', 'not-selected', 'not-selected']);
    expect(() => selectSteps(flow, ledgerWith({}), { only: 'b' })).toThrow(/--only b: it depends on a, which is not done yet/);
  });
});

describe('what may happen next (nextMove)', () => {
  const fresh = ledgerWith({});
  const answers = { createBaseResources: false };
  const decisions = decideSteps(flow, fresh, answers, all);
  const moves = (standings: Map<string, Standing>, rules = { oneAtATime: false, halted: false, gated: false }): string[] => {
    const out: string[] = [];
    for (;;) {
      const move: Move = nextMove(flow, standings, decisions, rules);
      if (move.kind === 'wait' || move.kind === 'finished') return [...out, move.kind];
      out.push(`${move.kind} ${move.step.id}`);
      const next: Standing =
        move.kind === 'skip' ? { at: 'skipped', reason: move.reason } : move.kind === 'reuse' ? { at: 'done' } : { at: 'running' };
      standings.set(move.step.id, next);
    }
  };

  it('a not-applicable skip lets the steps after it run; independent steps start together', () => {
    const standings = initialStandings(flow, fresh, decisions);
    expect(moves(standings)).toEqual(['skip base', 'start pre', 'wait']);
    standings.set('pre', { at: 'done' });
    expect(moves(standings)).toEqual(['start a', 'start c', 'wait']);
  });

  it('a skip at the prompt spreads to every step that needs it, and says which one', () => {
    const standings = initialStandings(flow, fresh, decisions);
    standings.set('base', { at: 'skipped', reason: { kind: 'not-applicable', why: 'x' } });
    standings.set('pre', { at: 'done' });
    standings.set('a', { at: 'skipped', reason: { kind: 'declined' } });
    const first = nextMove(flow, standings, decisions, { oneAtATime: false, halted: false, gated: false });
    expect(first).toMatchObject({ kind: 'skip', step: { id: 'b' }, reason: { kind: 'dependency-skipped', dependency: 'a' } });
  });

  it('one at a time: nothing starts while a step runs or an earlier one is unsettled', () => {
    const standings = initialStandings(flow, fresh, decisions);
    expect(moves(standings, { oneAtATime: true, halted: false, gated: false })).toEqual(['skip base', 'start pre', 'wait']);
    standings.set('pre', { at: 'done' });
    expect(moves(standings, { oneAtATime: true, halted: false, gated: false })).toEqual(['start a', 'wait']);
  });

  it('guided: a step that would start is asked about first; skips and reuses are not', () => {
    const standings = initialStandings(flow, fresh, decisions);
    expect(moves(standings, { oneAtATime: true, halted: false, gated: true })).toEqual(['skip base', 'ask pre', 'wait']);
  });

  it('after a failure nothing new starts, and the run finishes once the running steps end', () => {
    const standings = initialStandings(flow, fresh, decisions);
    standings.set('base', { at: 'skipped', reason: { kind: 'not-applicable', why: 'x' } });
    standings.set('pre', { at: 'failed' });
    expect(moves(standings, { oneAtATime: false, halted: true, gated: false })).toEqual(['finished']);
  });
});
