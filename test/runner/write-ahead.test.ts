import { PLAN_READERS } from '../../runner/reads.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import { newLedger, readLedger } from '../../checkpoints/ledger.js';
import type { PendingCreate } from '../../kernel/created-resource.js';
import { runEngine } from '../../runner/engine.js';
import { createProgressBus } from '../../runner/progress-bus.js';
import { Redactor } from '../../runner/redact.js';
import { defineStep, type ArmResource, type Step } from '../../runner/step.js';
import { runTeardown } from '../../runner/teardown.js';
import { hasRunMarker, writeAheadHooks } from '../../runner/write-ahead.js';
import { emptyStepRecord } from '../../checkpoints/ledger-schema.js';
import { FakeWorld, fakeClock, harness, resourceStep, tempDir } from '../helpers/engine-harness.js';

/**
 * Write-ahead records: the ledger learns what a mutating command may create *before* it runs,
 * so a process killed between the command and the ledger save never loses the resource.
 */
describe('write-ahead records', () => {
  it('are on disk before the create command runs, and gone once the resource is recorded', async () => {
    const h = await harness([resourceStep('vault')]);
    let onDisk: unknown;
    h.world.onCall = (request) => {
      if (request.argv[1] === 'create') onDisk = JSON.parse(readFileSync(join(h.stateDir, 'state.json'), 'utf8')).steps.vault.pending;
    };
    const ledger = await h.run();
    expect(onDisk).toEqual([expect.objectContaining({ kind: 'fake', guard: { kind: 'read', argv: ['tool', 'show', 'vault'] } })]);
    expect(ledger.steps.vault?.pending).toBeUndefined();
    expect(ledger.steps.vault?.created).toEqual([{ kind: 'fake', id: 'id-vault' }]);
  });

  it('a kill after the create ran but before its answer: the resume records it as created and creates nothing twice', async () => {
    const h = await harness([resourceStep('vault')]);
    const killed = new AbortController();
    // The create takes effect, then the process "dies" before the answer reaches the ledger.
    h.world.hold = async (request) => {
      if (request.argv[1] !== 'create') return;
      h.world.resources.add('vault');
      killed.abort('SIGKILL');
    };
    await expect(h.run({ signal: killed.signal })).rejects.toThrow(/Interrupted/);
    const crashed = await h.ledger();
    expect(crashed.steps.vault?.created).toEqual([]);
    expect(crashed.steps.vault?.pending).toHaveLength(1);

    h.world.hold = undefined;
    const creates = () => h.world.calls.filter((c) => c.argv[1] === 'create').length;
    const before = creates();
    const resumed = await h.run();
    expect(creates()).toBe(before);
    expect(resumed.steps.vault?.status).toBe('done');
    expect(resumed.steps.vault?.created).toEqual([{ kind: 'fake', id: 'id-vault' }]);
    expect(resumed.steps.vault?.pending).toBeUndefined();
  });

  it('a create that never happened is dropped; a guard that cannot be read stays pending', async () => {
    const h = await harness([resourceStep('vault')]);
    const killed = new AbortController();
    h.world.hold = async (request) => {
      if (request.argv[1] === 'create') killed.abort('SIGTERM');
    };
    await expect(h.run({ signal: killed.signal })).rejects.toThrow(/Interrupted by SIGTERM/);
    expect((await h.ledger()).steps.vault?.error).toBe('interrupted by SIGTERM; the next run resumes here');
    h.world.hold = undefined;
    h.world.failures.set('tool show', { times: 1, exitCode: 1, stderr: 'ERROR: (TooManyRequests) throttled' });
    h.world.failures.set('tool create', { times: 1, exitCode: 1, stderr: 'ERROR: (InvalidRequestContent) no' });
    await expect(h.run()).rejects.toThrow(/failed/);
    // The guard's read failed (not "not found"): it stays, to be asked again.
    expect((await h.ledger()).steps.vault?.pending).toHaveLength(1);
    const done = await h.run();
    expect(done.steps.vault?.pending).toBeUndefined();
    expect(done.steps.vault?.created).toEqual([{ kind: 'fake', id: 'id-vault' }]);
  });
});

/** A step whose resource carries the run's tag (an ARM guard), like the Key Vault. */
function taggedStep(resources: Map<string, ArmResource>): Step {
  const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv';
  return defineStep({
    id: 'tagged',
    title: 'Create the tagged thing',
    explain: 'x',
    needs: [],
    after: [],
    produces: ['id'],
    async check() {
      return resources.has(id) ? { id } : undefined;
    },
    async run(ctx) {
      await ctx.willCreate({ kind: 'keyVault', id, guard: { kind: 'arm', id, apiVersion: '2023-07-01', mark: 'tag' } });
      throw new Error('killed here, in effect');
    },
    async teardown(ctx) {
      for (const r of ctx.createdBefore) await ctx.cmd.run(['tool', 'delete', r.id], { mutates: true });
    },
  });
}

async function runTagged(stateDir: string, resources: Map<string, ArmResource>, world: FakeWorld) {
  const clock = fakeClock();
  const store = new LedgerStore(stateDir, (await readLedger(stateDir)) ?? newLedger({ kind: 'sandbox' }, clock.now(), 'run12345'), clock);
  const context = {
    stateDir,
    answers: {},
    profile: { toolPath: [], toolEnv: {} },
    ...PLAN_READERS,
    azure: { ...PLAN_READERS.azure, getById: async (id: string) => resources.get(id), listTagged: async () => [] },
    clock,
    baseEnv: {},
    redactor: new Redactor(),
    exec: world.exec,
    confirm: async (_q: string, a: boolean) => a,
  };
  return { store, context, clock };
}

function engine(step: Step, run: Awaited<ReturnType<typeof runTagged>>) {
  const signal = new AbortController().signal;
  return runEngine({ steps: [step], store: run.store, signal, events: createProgressBus(), context: run.context });
}

describe("adoption needs the run's mark", () => {
  const vaultId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv';
  const vault = (tags: Record<string, string>): ArmResource => ({ id: vaultId, name: 'kv', tags, properties: {} });

  /** The step dies right after its write-ahead record; then the vault turns out to exist, carrying `found`'s tags. */
  async function crashedThenFound(found: ArmResource) {
    const stateDir = await tempDir();
    const resources = new Map<string, ArmResource>();
    const world = new FakeWorld();
    const step = taggedStep(resources);
    const first = await runTagged(stateDir, resources, world);
    await expect(engine(step, first)).rejects.toThrow();
    expect(first.store.data.steps.tagged?.pending).toHaveLength(1);
    resources.set(vaultId, found);
    return { step, world, second: await runTagged(stateDir, resources, world) };
  }

  it("a resource with this run's tag is recorded; one the user had (no mark, another run's mark) never is", async () => {
    const cases = [
      [{ 'ratify-runbook-run': 'run12345' }, true],
      [{}, false],
      [{ 'ratify-runbook-run': 'other999' }, false],
    ] as const;
    for (const [tags, adopted] of cases) {
      const { step, second } = await crashedThenFound(vault(tags));
      await engine(step, second);
      expect(second.store.data.steps.tagged?.created).toEqual(adopted ? [{ kind: 'keyVault', id: vaultId }] : []);
      expect(second.store.data.steps.tagged?.pending).toBeUndefined();
    }
  });

  it('teardown after a crash (no resume) removes what the pending record finds, and only that', async () => {
    const { step, second, world } = await crashedThenFound(vault({ 'ratify-runbook-run': 'run12345' }));
    await runTeardown({
      steps: [step],
      store: second.store,
      context: second.context,
      signal: new AbortController().signal,
      events: createProgressBus(),
    });
    expect(world.calls.map((c) => c.argv.join(' '))).toEqual([`tool delete ${vaultId}`]);
    expect(second.store.data.teardown?.status).toBe('done');
    expect(second.store.data.steps.tagged?.pending).toBeUndefined();
  });

  it('a created resource its write-ahead record announced costs no write of its own; one nobody announced is on disk before it resolves', async () => {
    // A ledger store whose writes finish only when the test says so, each holding the ledger as written.
    const writes: { snapshot: string; finish: () => void }[] = [];
    const write = (_dir: string, data: unknown): Promise<void> =>
      new Promise((resolve) => writes.push({ snapshot: JSON.stringify(data), finish: resolve }));
    const store = new LedgerStore('/nowhere', newLedger({ kind: 'sandbox' }, new Date(), 'run12345'), fakeClock(), true, write);
    const record = emptyStepRecord();
    store.data.steps.vault = record;
    const hooks = writeAheadHooks(store, record, () => new Date());
    const settledSoon = async (p: Promise<void>): Promise<boolean> =>
      Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);

    const announced = hooks.willCreate({ kind: 'fake', id: 'id-vault', guard: { kind: 'read', argv: ['tool', 'show', 'vault'] } });
    expect(await settledSoon(announced)).toBe(false); // the write-ahead record waits for its write
    writes[0]!.finish();
    await announced;
    expect(JSON.parse(writes[0]!.snapshot).steps.vault.pending).toMatchObject([{ kind: 'fake', id: 'id-vault' }]);

    // Announced: resolves at once and writes nothing; the pending record on disk stands for it.
    expect(await settledSoon(hooks.created({ kind: 'fake', id: 'id-vault' }))).toBe(true);
    expect(writes).toHaveLength(1);
    expect(record.pending).toBeUndefined();

    // Not announced: waits until it is on disk, and that write carries both.
    const unannounced = hooks.created({ kind: 'fake', id: 'id-other' });
    expect(await settledSoon(unannounced)).toBe(false);
    expect(writes).toHaveLength(2);
    writes[1]!.finish();
    await unannounced;
    expect(JSON.parse(writes[1]!.snapshot).steps.vault.created).toEqual([
      { kind: 'fake', id: 'id-vault' },
      { kind: 'fake', id: 'id-other' },
    ]);
  });

  it('the description marker is matched as a word, not as a prefix of another run id', () => {
    expect(hasRunMarker('Written by ratify-runbook. ratify-runbook-run=run12345', 'run12345')).toBe(true);
    expect(hasRunMarker('ratify-runbook-run=run12345', 'run12345')).toBe(true);
    expect(hasRunMarker('ratify-runbook-run=run123456', 'run12345')).toBe(false);
    expect(hasRunMarker('xratify-runbook-run=run12345', 'run12345')).toBe(false);
    expect(hasRunMarker(undefined, 'run12345')).toBe(false);
  });

  it('the ledger refuses a malformed write-ahead record (exit 2 on load)', async () => {
    const stateDir = await tempDir();
    const ledger = newLedger({ kind: 'sandbox' }, new Date(), 'run12345');
    const broken = [{ kind: 'k' } as PendingCreate & { at: string }];
    ledger.steps.x = { status: 'failed', attempts: 1, outputs: {}, answersUsed: {}, created: [], commands: [], logs: [], pending: broken };
    const { writeLedger } = await import('../../checkpoints/ledger.js');
    await writeLedger(stateDir, ledger, new Date());
    await expect(readLedger(stateDir)).rejects.toThrow(/"pending" is not a list/);
  });
});
