import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError, StepFailedError, UsageError } from '../../kernel/errors.js';
import { defineStep } from '../../runner/step.js';
import { harness, resourceStep } from '../helpers/engine-harness.js';

const chain = () => [
  resourceStep('alpha'),
  resourceStep('beta', { after: ['alpha'], needs: ['tag'], name: (a) => `beta-${a.tag}` }),
  resourceStep('gamma', { after: ['beta'] }),
];

describe('engine: fresh run', () => {
  it('runs every step in order, checkpoints outputs, writes logs and the notebook', async () => {
    const h = await harness(chain());
    const ledger = await h.run({ answers: { tag: 'v1' } });
    expect(Object.fromEntries(Object.entries(ledger.steps).map(([id, r]) => [id, r.status]))).toEqual({
      alpha: 'done',
      beta: 'done',
      gamma: 'done',
    });
    expect(ledger.steps.beta?.outputs).toEqual({ resourceId: 'id-beta-v1' });
    expect(ledger.steps.beta?.created).toEqual([{ kind: 'fake', id: 'id-beta-v1' }]);
    expect(h.world.mutatingCalls()).toEqual(['tool create alpha', 'tool create beta-v1', 'tool create gamma']);
    expect(await readdir(join(h.stateDir, 'logs'))).toEqual(['alpha.1.log', 'beta.1.log', 'gamma.1.log']);
    expect(await readFile(join(h.stateDir, 'logs', 'beta.1.log'), 'utf8')).toContain('$ tool create beta-v1');
    const notebook = await readFile(join(h.stateDir, 'notebook.md'), 'utf8');
    expect(notebook).toContain('## 2. Create beta (`beta`)');
    expect(notebook).toContain('$ tool create beta-v1');
    expect(notebook).toMatch(/\*\*Status:\*\* done · attempt 1/);
    // Every child gets the step id and the state dir's own kubeconfig.
    const call = h.world.calls.find((c) => c.argv.join(' ') === 'tool create beta-v1');
    expect(call?.env.RATIFY_RUNBOOK_STEP).toBe('beta');
    expect(call?.env.KUBECONFIG).toBe(join(h.stateDir, 'kubeconfig'));
  });
});

describe('engine: failure and resume', () => {
  it('stops at the failed step, and the next run repeats no mutating command of earlier steps', async () => {
    const h = await harness(chain());
    h.world.failures.set('tool create gamma', { times: 1, exitCode: 1, stderr: 'ERROR: (Conflict) boom' });
    const first = h.run({ answers: { tag: 'v1' } });
    await expect(first).rejects.toBeInstanceOf(StepFailedError);
    await expect(first).rejects.toMatchObject({ exitCode: 1, stepId: 'gamma' });
    const afterFailure = await h.ledger();
    expect(afterFailure.steps.gamma).toMatchObject({ status: 'failed', attempts: 1 });
    expect(afterFailure.steps.gamma?.error).toContain('boom');

    h.world.calls.length = 0;
    const second = await h.run({ answers: { tag: 'v1' } });
    expect(second.steps.gamma).toMatchObject({ status: 'done', attempts: 2 });
    // The failed create's write-ahead record is settled first (its guard finds nothing), then check, then create.
    expect(h.world.calls.map((c) => c.argv.join(' '))).toEqual(['tool show gamma', 'tool show gamma', 'tool create gamma']);
    expect(second.steps.alpha?.attempts).toBe(1);
  });

  it('skips run when check reports the work already done', async () => {
    const h = await harness([resourceStep('alpha')]);
    h.world.resources.add('alpha');
    const ledger = await h.run();
    expect(ledger.steps.alpha).toMatchObject({ status: 'done', outputs: { resourceId: 'id-alpha' } });
    expect(h.world.mutatingCalls()).toEqual([]);
  });

  it('re-checks only the steps that use a changed answer, and those after them', async () => {
    const h = await harness(chain());
    await h.run({ answers: { tag: 'v1' } });
    h.world.calls.length = 0;
    await h.run({ answers: { tag: 'v2' } });
    // beta reads `tag`: its check runs (not found for v2), then it creates beta-v2. gamma comes
    // after beta, whose outputs may have changed: its check runs and finds it done. alpha runs nothing.
    expect(h.world.calls.map((c) => c.argv.join(' '))).toEqual(['tool show beta-v2', 'tool create beta-v2', 'tool show gamma']);
    const ledger = await h.ledger();
    // The ledger keeps what was created under the old answer too (teardown removes both).
    expect(ledger.steps.beta?.created.map((r) => r.id)).toEqual(['id-beta-v1', 'id-beta-v2']);
  });

  it('runs read-only "every time" steps again, and nothing else', async () => {
    const pre = defineStep({
      id: 'pre',
      title: 'Preflight',
      explain: 'Reads.',
      needs: [],
      after: [],
      produces: ['version'],
      rerunEveryTime: true,
      check: async () => undefined,
      run: async (ctx) => ({ version: (await ctx.cmd.run(['tool', 'version'], { mutates: false })).stdout || '1' }),
    });
    const h = await harness([pre, resourceStep('alpha', { after: ['pre'] })]);
    await h.run();
    h.world.calls.length = 0;
    await h.run();
    expect(h.world.calls.map((c) => c.argv.join(' '))).toEqual(['tool version']);
  });
});

describe('engine: --from and --only', () => {
  it('--from re-checks that step and everything after it', async () => {
    const h = await harness(chain());
    await h.run({ answers: { tag: 'v1' } });
    h.world.calls.length = 0;
    await h.run({ answers: { tag: 'v1' }, from: 'beta' });
    expect(h.world.calls.map((c) => c.argv.join(' '))).toEqual(['tool show beta-v1', 'tool show gamma']);
  });

  it('--only refuses a step whose dependencies are not done, naming them', async () => {
    const h = await harness(chain());
    const run = h.run({ answers: { tag: 'v1' }, only: 'gamma' });
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(/depends on beta/);
    expect(h.world.calls).toEqual([]);
  });

  it('--only runs just that step once its dependencies are done', async () => {
    const h = await harness(chain());
    h.world.failures.set('tool create gamma', { times: 1, exitCode: 1, stderr: 'no' });
    await h.run({ answers: { tag: 'v1' } }).catch(() => {});
    h.world.calls.length = 0;
    const ledger = await h.run({ answers: { tag: 'v1' }, only: 'gamma' });
    expect(ledger.steps.gamma?.status).toBe('done');
    // The write-ahead guard of the failed create, then the step's own check and create.
    expect(h.world.calls.map((c) => c.argv.join(' '))).toEqual(['tool show gamma', 'tool show gamma', 'tool create gamma']);
  });

  it('rejects an unknown step id with the list of steps', async () => {
    const h = await harness(chain());
    await expect(h.run({ from: 'delta' })).rejects.toThrow(/--from delta: no such step/);
  });
});

describe('engine: concurrency', () => {
  const diamond = () => [
    resourceStep('root'),
    resourceStep('left', { after: ['root'] }),
    resourceStep('right', { after: ['root'] }),
    resourceStep('join', { after: ['left', 'right'] }),
  ];

  it('overlaps steps that do not depend on each other', async () => {
    const h = await harness(diamond());
    // Hold left's and right's first command until both have started: only overlap gets past.
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    h.world.hold = async (request) => {
      if (!['tool show left', 'tool show right'].includes(request.argv.join(' '))) return;
      if (++arrived === 2) release();
      await both;
    };
    await h.run();
    expect(h.world.maxInFlight).toBe(2);
    const order = h.world.mutatingCalls();
    expect(order[0]).toBe('tool create root');
    expect(order[3]).toBe('tool create join');
  });

  it('--serial runs one step at a time in list order', async () => {
    const h = await harness(diamond());
    await h.run({ serial: true });
    expect(h.world.maxInFlight).toBe(1);
    expect(h.world.mutatingCalls()).toEqual(['tool create root', 'tool create left', 'tool create right', 'tool create join']);
  });
});

describe('engine: guided mode', () => {
  it('a skipped step skips its dependents, and the notebook says why', async () => {
    const h = await harness(chain());
    const asked: string[] = [];
    await h.run({
      answers: { tag: 'v1' },
      gate: async (preview) => {
        asked.push(`${preview.step.id}: ${preview.commands.map((c) => c.argv.join(' ')).join(' | ')}`);
        return preview.step.id === 'beta' ? 'skip' : 'run';
      },
    });
    expect(asked).toEqual(['alpha: tool create alpha', 'beta: tool create beta-v1']);
    const ledger = await h.ledger();
    expect(ledger.steps.beta).toMatchObject({ status: 'skipped', skipReason: 'skipped at the prompt' });
    expect(ledger.steps.gamma).toMatchObject({ status: 'skipped', skipReason: 'skipped because beta was skipped' });
    const notebook = await readFile(join(h.stateDir, 'notebook.md'), 'utf8');
    expect(notebook).toContain('Skipped: skipped because beta was skipped.');
  });

  it('"run all remaining" stops asking; "quit" stops before the step', async () => {
    const h = await harness(chain());
    let asked = 0;
    await h.run({ answers: { tag: 'v1' }, gate: async () => (++asked === 1 ? 'all' : 'run') });
    expect(asked).toBe(1);
    expect((await h.ledger()).steps.gamma?.status).toBe('done');

    const q = await harness(chain());
    const result = await q.run({ answers: { tag: 'v1' }, gate: async (p) => (p.step.id === 'beta' ? 'quit' : 'run') });
    expect(result.steps.alpha?.status).toBe('done');
    expect(result.steps.beta?.status ?? 'pending').toBe('pending');
    expect(q.world.mutatingCalls()).toEqual(['tool create alpha']);
  });
});

describe('engine: interruption', () => {
  it('marks the running step interrupted, and the next run resumes there', async () => {
    const h = await harness(chain());
    const controller = new AbortController();
    h.world.onCall = (request) => {
      if (request.argv.join(' ') === 'tool create beta-v1') controller.abort();
    };
    await expect(h.run({ answers: { tag: 'v1' }, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    const ledger = await h.ledger();
    expect(ledger.steps.alpha?.status).toBe('done');
    expect(ledger.steps.beta?.status).toBe('interrupted');
    expect(ledger.steps.gamma).toBeUndefined();

    h.world.onCall = undefined;
    h.world.calls.length = 0;
    const resumed = await h.run({ answers: { tag: 'v1' } });
    expect(resumed.steps.gamma?.status).toBe('done');
    expect(h.world.mutatingCalls()).toEqual(['tool create beta-v1', 'tool create gamma']);
  });
});

describe('engine: secrets', () => {
  it('never writes a secret output or secret env value to the ledger, logs or notebook', async () => {
    const secretStep = defineStep({
      id: 'sign',
      title: 'Sign',
      explain: 'Uses a token.',
      needs: [],
      after: [],
      produces: ['signed'],
      check: async () => undefined,
      async run(ctx) {
        const token = (await ctx.cmd.run(['tool', 'token'], { mutates: false, secretOutput: true })).stdout.trim();
        await ctx.cmd.run(['tool', 'echo-env', 'NOTATION_PASSWORD'], {
          mutates: true,
          env: { NOTATION_PASSWORD: token },
          secretEnv: ['NOTATION_PASSWORD'],
        });
        ctx.log(`used token ${token}`);
        return { signed: 'true' };
      },
    });
    const h = await harness([secretStep]);
    await h.run();
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    expect(h.world.calls[1]?.env.NOTATION_PASSWORD).toBe(token); // the child did get it
    const files = ['state.json', 'notebook.md', 'logs/sign.1.log'];
    for (const file of files) {
      const text = await readFile(join(h.stateDir, file), 'utf8');
      expect(text, file).not.toContain(token);
      expect(text, file).not.toContain('c2lnbmF0dXJlLXNpZ25hdHVyZQ');
    }
    expect(await readFile(join(h.stateDir, 'logs/sign.1.log'), 'utf8')).toContain('***');
    // Nor the events a browser or dashboard will receive.
    const events = JSON.stringify(h.events);
    expect(events).toContain('used token ***');
    expect(events).not.toContain('c2lnbmF0dXJlLXNpZ25hdHVyZQ');
  });
});
