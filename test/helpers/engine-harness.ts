import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Answers } from '../../kernel/answer-keys.js';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import { newLedger, readLedger } from '../../checkpoints/ledger.js';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import { runEngine, type EngineOptions } from '../../runner/engine.js';
import type { Exec, ExecRequest } from '../../runner/exec-process.js';
import { createProgressBus } from '../../runner/progress-bus.js';
import type { RunEvent } from '../../runner/progress-events.js';
import { Redactor } from '../../runner/redact.js';
import { defineStep, type Step } from '../../runner/step.js';
import type { Clock } from '../../kernel/clock.js';
import { subscribeNotebook } from '../../runner/notebook.js';

export async function tempDir(prefix = 'rr-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // Retries: a sandbox owner whose parent a failed test killed may still be saving its world there.
  onTestFinished(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  return dir;
}

/** A clock that never really sleeps: waits advance simulated time. */
export function fakeClock(start = Date.parse('2026-11-26T10:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      now += ms;
      await Promise.resolve();
    },
  };
}

/**
 * A tiny world the fake `tool` command acts on: `tool show NAME` exits 0 when NAME exists,
 * `tool create NAME` creates it, `tool fail` fails when told to. Every call is recorded.
 */
export class FakeWorld {
  readonly resources = new Set<string>();
  readonly calls: ExecRequest[] = [];
  /** argv prefix (joined by spaces) -> how many more calls fail, and how. */
  readonly failures = new Map<string, { times: number; exitCode: number; stderr: string }>();
  inFlight = 0;
  maxInFlight = 0;
  /** Awaited at the start of every call: lets a test hold calls until others arrive. */
  hold?: (request: ExecRequest) => Promise<void>;
  /** Called at the start of each call (e.g. to abort mid-step). */
  onCall?: (request: ExecRequest) => void;

  exec: Exec = async (request) => {
    this.calls.push(request);
    this.onCall?.(request);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.hold?.(request);
      await new Promise((r) => setImmediate(r));
      if (request.signal.aborted) return { exitCode: 143, stdout: '', stderr: '', killedBy: 'abort' };
      const line = request.argv.join(' ');
      for (const [prefix, failure] of this.failures) {
        if (line.startsWith(prefix) && failure.times > 0) {
          failure.times -= 1;
          return { exitCode: failure.exitCode, stdout: '', stderr: failure.stderr };
        }
      }
      const [, verb, name = ''] = request.argv;
      if (verb === 'show')
        return this.resources.has(name)
          ? { exitCode: 0, stdout: `id-${name}\n`, stderr: '' }
          : { exitCode: 3, stdout: '', stderr: `ERROR: ${name} was not found.` };
      if (verb === 'create') {
        this.resources.add(name);
        return { exitCode: 0, stdout: `id-${name}\n`, stderr: '' };
      }
      if (verb === 'token')
        return { exitCode: 0, stdout: 'eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ\n', stderr: '' };
      if (verb === 'echo-env') return { exitCode: 0, stdout: `${request.env[name] ?? ''}\n`, stderr: '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    } finally {
      this.inFlight -= 1;
    }
  };

  mutatingCalls(): string[] {
    return this.calls.map((c) => c.argv.join(' ')).filter((line) => / create /.test(` ${line} `));
  }
}

/** A step that creates one named resource, guarded by its show (like a Key Vault step). */
export function resourceStep(
  id: string,
  options: { after?: string[]; needs?: (keyof Answers)[]; name?: (answers: Partial<Answers>) => string; rerunEveryTime?: boolean } = {},
): Step {
  return defineStep({
    id,
    title: `Create ${id}`,
    explain: `Creates the **${id}** resource.`,
    needs: options.needs ?? [],
    after: options.after ?? [],
    produces: ['resourceId'],
    rerunEveryTime: options.rerunEveryTime,
    async check(ctx) {
      const name = options.name?.(ctx.answers) ?? id;
      const show = await ctx.cmd.run(['tool', 'show', name], { mutates: false, probe: true, allowFailure: true });
      return show.exitCode === 0 ? { resourceId: show.stdout.trim() } : undefined;
    },
    async run(ctx) {
      const name = options.name?.(ctx.answers) ?? id;
      const show = ['tool', 'show', name];
      await ctx.willCreate({ kind: 'fake', guard: { kind: 'read', argv: show } });
      const created = await ctx.cmd.run(['tool', 'create', name], { mutates: true, guardedBy: show, capture: 'resourceId' });
      await ctx.created({ kind: 'fake', id: created.stdout.trim() });
      return { resourceId: created.stdout.trim() };
    },
    async teardown(ctx) {
      for (const r of ctx.createdBefore) await ctx.cmd.run(['tool', 'delete', r.id], { mutates: true });
    },
  });
}

export interface Harness {
  stateDir: string;
  world: FakeWorld;
  clock: ReturnType<typeof fakeClock>;
  run(overrides?: Partial<EngineOptions> & { answers?: Partial<Answers>; signal?: AbortSignal }): Promise<LedgerData>;
  ledger(): Promise<LedgerData>;
  /** Every event of the latest run, in order, as JSON (what a browser would receive). */
  events: RunEvent[];
}

export async function harness(steps: readonly Step[]): Promise<Harness> {
  const stateDir = await tempDir();
  const world = new FakeWorld();
  const clock = fakeClock();
  const self: Harness = {
    stateDir,
    world,
    clock,
    events: [],
    async run(overrides = {}) {
      const existing = await readLedger(stateDir);
      const store = new LedgerStore(stateDir, existing ?? newLedger({ kind: 'sandbox' }, clock.now(), 'test1234'), clock);
      const signal = overrides.signal ?? new AbortController().signal;
      const events = overrides.events ?? createProgressBus();
      self.events = [];
      events.subscribe((event) => self.events.push(JSON.parse(JSON.stringify(event)) as RunEvent));
      const notebook = subscribeNotebook(events, stateDir, store.data, steps);
      try {
        await runEngine({
          steps,
          store,
          signal,
          events,
          context: {
            stateDir,
            answers: overrides.answers ?? {},
            profile: { toolPath: [], toolEnv: {} },
            azure: { getById: async () => undefined, listTagged: async () => [], list: async () => [], caller: async () => undefined },
            kube: {
              currentContext: async () => undefined,
              list: async () => undefined,
              get: async () => undefined,
              watch: () => ({ ended: Promise.resolve(), stop: () => {} }),
            },
            clock,
            baseEnv: { PATH: '/usr/bin' },
            redactor: new Redactor(),
            exec: world.exec,
            confirm: async (_q, answer) => answer,
          },
          ...overrides,
        });
      } finally {
        await store.save();
        await notebook.close();
      }
      return store.data;
    },
    async ledger() {
      const data = await readLedger(stateDir);
      if (!data) throw new Error('no ledger');
      return data;
    },
  };
  return self;
}
