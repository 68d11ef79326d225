import { describe, expect, it } from 'vitest';
import { createProgressBus, applyRunEvent, emptySnapshot } from '../../runner/progress-bus.js';
import type { RunEvent } from '../../runner/progress-events.js';
import { harness, resourceStep } from '../helpers/engine-harness.js';

const chain = () => [resourceStep('alpha'), resourceStep('beta', { after: ['alpha'] }), resourceStep('gamma', { after: ['beta'] })];

describe('progress events', () => {
  it('are plain JSON and tell each step from start to end, in order', async () => {
    const h = await harness(chain());
    const bus = createProgressBus();
    const live: RunEvent[] = [];
    bus.subscribe((event) => live.push(event));
    await h.run({ events: bus });
    // What a browser gets over server-sent events is what the engine emitted, field for field.
    expect(JSON.parse(JSON.stringify(live))).toEqual(live);
    expect(live[0]).toMatchObject({ type: 'run-start', kind: 'run', runId: 'test1234', guided: false });
    expect(live.at(-1)).toMatchObject({ type: 'run-end', outcome: 'done' });
    const ofBeta = live.filter((e) => 'stepId' in e && e.stepId === 'beta');
    const beta = ofBeta.map((e) => (e.type === 'step' ? `${e.type}:${e.phase}:${e.status}` : e.type));
    expect(beta).toEqual(['step:checking:running', 'command', 'step:running:running', 'command', 'step:done:done']);
    const created = live.find((e) => e.type === 'command' && e.argv.join(' ') === 'tool create beta');
    expect(created).toMatchObject({ stepId: 'beta', exitCode: 0, mutates: true, attempt: 1, output: 'id-beta' });
    expect(typeof (created as { ms: number }).ms).toBe('number');
  });

  it('a failed step carries its error and hints; the run end names it', async () => {
    const h = await harness(chain());
    h.world.failures.set('tool create beta', { times: 1, exitCode: 1, stderr: 'ERROR: (Conflict) boom' });
    await h.run().catch(() => {});
    const failed = h.events.find((e) => e.type === 'step' && e.phase === 'failed');
    expect(failed).toMatchObject({ stepId: 'beta', status: 'failed', attempt: 1 });
    expect(failed && 'error' in failed && failed.error).toContain('boom');
    expect(h.events.at(-1)).toMatchObject({ type: 'run-end', outcome: 'failed', stepId: 'beta' });
    expect(h.events.filter((e) => e.type === 'step' && e.stepId === 'gamma')).toEqual([]);
  });

  it('a late subscriber gets the state of every step in one snapshot, then only what follows', async () => {
    const h = await harness(chain());
    h.world.failures.set('tool create gamma', { times: 1, exitCode: 1, stderr: 'ERROR: no' });
    const bus = createProgressBus();
    let late: ReturnType<typeof bus.subscribeWithSnapshot> | undefined;
    const after: RunEvent[] = [];
    bus.subscribe((event) => {
      // Arrive the moment beta is done: alpha and beta are history, gamma is still to come.
      const betaDone = event.type === 'step' && event.stepId === 'beta' && event.phase === 'done';
      if (betaDone) late ??= bus.subscribeWithSnapshot((e) => after.push(e));
    });
    await h.run({ events: bus }).catch(() => {});
    const cells = late?.snapshot.steps.map((c) => [c.id, c.status, c.attempt, c.commands.map((x) => x.argv.join(' '))]);
    expect(cells).toEqual([
      ['alpha', 'done', 1, ['tool show alpha', 'tool create alpha']],
      ['beta', 'done', 1, ['tool show beta', 'tool create beta']],
      ['gamma', 'pending', 0, []],
    ]);
    expect(after[0]).toMatchObject({ type: 'step', stepId: 'gamma', phase: 'checking' });
    // The final snapshot is what folding every event gives, and matches the ledger.
    const folded = emptySnapshot();
    for (const event of h.events) applyRunEvent(folded, event);
    expect(bus.snapshot()).toEqual(folded);
    const ledger = await h.ledger();
    expect(folded.steps.map((c) => [c.id, c.status])).toEqual(Object.entries(ledger.steps).map(([id, r]) => [id, r.status]));
    expect(folded.steps.find((c) => c.id === 'gamma')).toMatchObject({ status: 'failed', error: expect.stringContaining('ERROR: no') });
    expect(folded.end).toMatchObject({ outcome: 'failed', stepId: 'gamma' });
    late?.unsubscribe();
  });

  it('unsubscribe stops delivery; a snapshot is a copy, not a window into the bus', () => {
    const bus = createProgressBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(e.type));
    const at = '2026-01-01T00:00:00.000Z';
    const steps = [{ id: 's', title: 'S', status: 'pending', attempts: 0, selected: true }] as const;
    bus.emit({ type: 'run-start', at, runId: 'r', kind: 'run', guided: false, steps });
    unsubscribe();
    bus.emit({ type: 'log', at, stepId: 's', line: 'hello' });
    expect(seen).toEqual(['run-start']);
    const copy = bus.snapshot();
    copy.steps[0]!.logs.push('tampered');
    expect(bus.snapshot().steps[0]!.logs).toEqual(['hello']);
  });

  it('a skip says why as data: not applicable (the next steps run) vs skipped at the prompt (they are skipped too)', async () => {
    const h = await harness(chain());
    await h.run({ gate: async (p) => (p.step.id === 'beta' ? 'skip' : 'run') });
    const skips = h.events.flatMap((e) => (e.type === 'step' && e.phase === 'skipped' ? [[e.stepId, e.skip]] : []));
    expect(skips).toEqual([
      ['beta', { kind: 'declined' }],
      ['gamma', { kind: 'dependency-skipped', dependency: 'beta' }],
    ]);
    expect(h.events.filter((e) => e.type === 'prompt' || e.type === 'prompt-answered').map((e) => `${e.type}:${e.stepId}`)).toEqual([
      'prompt:alpha',
      'prompt-answered:alpha',
      'prompt:beta',
      'prompt-answered:beta',
    ]);
    const summary = { skipped: [{ stepId: 'beta' }, { stepId: 'gamma' }] };
    expect(h.events.at(-1)).toMatchObject({ type: 'run-end', outcome: 'done', summary });
  });
});
