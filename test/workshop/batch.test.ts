import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../kernel/io.js';
import { newLedger, readLedger, writeLedger } from '../../checkpoints/ledger.js';
import { emptyStepRecord } from '../../checkpoints/ledger-schema.js';
import { StepFailedError } from '../../kernel/errors.js';
import { tempDir } from '../helpers/engine-harness.js';
import type { AttendeeTask } from '../../workshop/batch-runner.js';
import { runBatch } from '../../workshop/batch-runner.js';
import { workshopRun, workshopStatus, workshopTeardown } from '../../workshop/commands.js';
import { initWorkshop } from '../../workshop/init.js';
import { emitterFor } from '../../runner/progress-bus.js';
import type { RunEvent } from '../../runner/progress-events.js';
import { applyEvent } from '../../workshop/events.js';
import { createMatrix, rowOf } from '../../workshop/matrix.js';
import { renderMatrix } from '../../workshop/matrix-render.js';

const steps = [
  { id: 'preflight', title: 'Check tools' },
  { id: 'key-vault', title: 'Create the Key Vault' },
  { id: 'verify', title: 'Verify' },
];

const stepInfos = steps.map((s) => ({ ...s, status: 'pending' as const, attempts: 0, selected: true }));

function testIo(cwd: string, signal = new AbortController().signal): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    argv: [],
    env: { RATIFY_RUNBOOK_KEY_VAULT_NAME: 'host-kv' },
    cwd,
    stdout,
    stderr,
    stdin: new PassThrough(),
    signal,
    out: () => out,
    err: () => err,
  };
}

/**
 * A stand-in for runRunbook: emits the engine's events on the attendee's bus, keeps a real
 * ledger in the attendee's state dir, resumes done steps, fails where told. What it prints is
 * deliberately in words no view uses: the workshop must learn everything from the events.
 */
function fakeRun(
  options: { failAt?: Record<string, string>; delayMs?: number; calls?: string[]; probe?: (delta: number) => void } = {},
): AttendeeTask {
  return async (io, attendee, bus) => {
    options.calls?.push(attendee.id);
    options.probe?.(1);
    const emit = emitterFor(bus, { now: () => new Date(), sleep: async () => {} });
    try {
      const ledger = (await readLedger(attendee.stateDir)) ?? newLedger({ kind: 'sandbox' }, new Date());
      emit({ type: 'run-start', runId: ledger.runId, kind: 'run', guided: false, steps: stepInfos });
      for (const step of steps) {
        const record = (ledger.steps[step.id] ??= emptyStepRecord());
        if (record.status === 'done') {
          io.stderr.write(`~~ ${step.id} ~~ untouched\n`);
          emit({ type: 'step', stepId: step.id, phase: 'reused', status: 'done', attempt: record.attempts });
          continue;
        }
        record.attempts += 1;
        io.stderr.write(`~~ ${step.id} ~~ begins\n`);
        emit({ type: 'step', stepId: step.id, phase: 'checking', status: 'running', attempt: record.attempts, reason: 'first run' });
        emit({ type: 'step', stepId: step.id, phase: 'running', status: 'running', attempt: record.attempts });
        await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
        if (options.failAt?.[attendee.id] === step.id) {
          record.status = 'failed';
          record.error = 'VaultAlreadyExists: the name is taken';
          await writeLedger(attendee.stateDir, ledger, new Date());
          io.stderr.write(`~~ ${step.id} ~~ went wrong\n`);
          emit({ type: 'step', stepId: step.id, phase: 'failed', status: 'failed', attempt: record.attempts, error: record.error });
          throw new StepFailedError(step.id, `Step "${step.id}" failed: VaultAlreadyExists`, [
            'Pick another keyVaultName in the template.',
          ]);
        }
        record.status = 'done';
        record.created = step.id === 'key-vault' ? [{ kind: 'keyVault', id: `/vaults/${attendee.id}` }] : [];
        await writeLedger(attendee.stateDir, ledger, new Date());
        io.stderr.write(`~~ ${step.id} ~~ fine\n`);
        emit({ type: 'step', stepId: step.id, phase: 'done', status: 'done', attempt: record.attempts });
      }
      return 0;
    } finally {
      options.probe?.(-1);
    }
  };
}

async function workshopDir(ids: string[]) {
  const root = await tempDir('rr-wsb-');
  await writeFile(join(root, 'roster.csv'), `id\n${ids.join('\n')}\n`);
  await initWorkshop({ rosterPath: join(root, 'roster.csv'), outDir: join(root, 'ws'), now: new Date() });
  return { root, dir: join(root, 'ws') };
}

const runOptions = (dir: string, extra: Partial<Parameters<typeof workshopRun>[1]> = {}) => ({
  dir,
  concurrency: 3,
  only: [],
  sandbox: true,
  ...extra,
});

describe('the matrix, fed by events', () => {
  const at = '2026-11-26T10:00:00.000Z';
  const feed = (events: RunEvent[]) => {
    const matrix = createMatrix(
      steps.map((s) => s.id),
      ['alice'],
    );
    // Through JSON, as a dashboard would receive them: the events carry everything the matrix needs.
    for (const event of events) {
      applyEvent(matrix, { type: 'progress', attendee: 'alice', event: JSON.parse(JSON.stringify(event)) });
    }
    return matrix;
  };

  it('moves cells by phase, follows the current step, and keeps the failure as the hint', () => {
    const running = feed([
      { type: 'run-start', at, runId: 'r1', kind: 'run', guided: false, steps: stepInfos },
      { type: 'step', at, stepId: 'preflight', phase: 'reused', status: 'done', attempt: 1, reason: 'done in an earlier run' },
      { type: 'step', at, stepId: 'key-vault', phase: 'checking', status: 'running', attempt: 1, reason: 'first run' },
      { type: 'log', at, stepId: 'key-vault', line: 'waiting for the vault' },
    ]);
    const row = rowOf(running, 'alice');
    expect(Object.fromEntries(row.cells)).toEqual({ preflight: 'done', 'key-vault': 'active' });
    expect(row).toMatchObject({ lastStep: 'key-vault', note: 'checking key-vault' });

    const failed = feed([
      { type: 'step', at, stepId: 'key-vault', phase: 'running', status: 'running', attempt: 2 },
      { type: 'step', at, stepId: 'key-vault', phase: 'failed', status: 'failed', attempt: 2, error: 'VaultAlreadyExists: taken\nmore' },
      { type: 'step', at, stepId: 'verify', phase: 'skipped', status: 'skipped', attempt: 0, skip: { kind: 'declined' } },
    ]);
    expect(Object.fromEntries(rowOf(failed, 'alice').cells)).toEqual({ 'key-vault': 'failed', verify: 'skipped' });
    expect(rowOf(failed, 'alice').hint).toBe('VaultAlreadyExists: taken');
    expect(renderMatrix(failed).join('\n')).toMatch(/alice\s+·\s+✖\s+–/);
  });

  it("an attendee's printed words play no part: a run that prints nothing still fills the matrix", async () => {
    const { root, dir } = await workshopDir(['alice']);
    const silent: AttendeeTask = async (io, attendee, bus) => {
      const code = await fakeRun()({ ...io, stderr: Object.assign(new PassThrough(), { isTTY: false }) }, attendee, bus);
      return code;
    };
    const io = testIo(root);
    expect(await workshopRun(io, runOptions(dir), silent, steps)).toBe(0);
    expect(io.err()).toMatch(/alice: key-vault done/);
    expect(io.err()).toMatch(/alice\s+verify\s+done/);
  });
});

describe('batch runner', () => {
  it('never runs more than N at once, and runs everyone', async () => {
    let active = 0;
    let peak = 0;
    const ids = Array.from({ length: 12 }, (_, i) => `a${i}`);
    const root = await tempDir('rr-pool-');
    const outcomes = await runBatch({
      attendees: ids.map((id) => ({ id, stateDir: join(root, id) })),
      concurrency: 3,
      io: testIo(root),
      onEvent: () => {},
      task: fakeRun({
        delayMs: 5,
        probe: (d) => {
          active += d;
          peak = Math.max(peak, active);
        },
      }),
    });
    expect(peak).toBe(3);
    expect(outcomes.map((o) => o.exitCode)).toEqual(ids.map(() => 0));
  });

  it('gives each attendee an Io without the host answer variables and a TTY-less stderr', async () => {
    const root = await tempDir('rr-io-');
    let seen: Io | undefined;
    await runBatch({
      attendees: [{ id: 'a', stateDir: join(root, 'a') }],
      concurrency: 1,
      io: testIo(root),
      onEvent: () => {},
      task: async (io) => ((seen = io), 0),
    });
    expect(seen?.env.RATIFY_RUNBOOK_KEY_VAULT_NAME).toBeUndefined();
    expect(seen?.stderr.isTTY).toBe(false);
  });

  it('a throw is one attendee failing, with its message and hint', async () => {
    const root = await tempDir('rr-throw-');
    const outcomes = await runBatch({
      attendees: ['a', 'b'].map((id) => ({ id, stateDir: join(root, id) })),
      concurrency: 2,
      io: testIo(root),
      onEvent: () => {},
      task: fakeRun({ failAt: { a: 'key-vault' } }),
    });
    expect(outcomes[0]).toMatchObject({
      attendee: 'a',
      exitCode: 1,
      lastStep: 'key-vault',
      message: 'Step "key-vault" failed: VaultAlreadyExists',
      hint: 'Pick another keyVaultName in the template.',
    });
    expect(outcomes[1]).toMatchObject({ attendee: 'b', exitCode: 0, lastStep: 'verify' });
  });

  it('Ctrl-C: no new attendee starts; the others are reported as not started', async () => {
    const root = await tempDir('rr-abort-');
    const controller = new AbortController();
    const outcomes = await runBatch({
      attendees: ['a', 'b', 'c'].map((id) => ({ id, stateDir: join(root, id) })),
      concurrency: 1,
      io: testIo(root, controller.signal),
      onEvent: () => {},
      task: async () => (controller.abort(), 130),
    });
    expect(outcomes.map((o) => [o.exitCode, o.started])).toEqual([
      [130, true],
      [130, false],
      [130, false],
    ]);
  });
});

describe('workshop run / status / teardown', () => {
  it('one attendee failing while the others finish; summary; exit 1; logs kept', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob', 'carol', 'dave']);
    const io = testIo(root);
    const code = await workshopRun(io, runOptions(dir), fakeRun({ failAt: { bob: 'key-vault' } }), steps);
    expect(code).toBe(1);
    const err = io.err();
    expect(err).toMatch(/Ignoring RATIFY_RUNBOOK_KEY_VAULT_NAME/);
    expect(err).toMatch(/alice: key-vault done/);
    expect(err).toMatch(/bob: ✖ failed at key-vault \(exit 1/);
    expect(err).toMatch(/attendee\s+last step\s+status\s+hint/);
    expect(err).toMatch(/bob\s+key-vault\s+FAILED at key-vault.*Step "key-vault" failed: VaultAlreadyExists → Pick another keyVaultName/);
    expect(err).toMatch(/carol\s+verify\s+done/);
    expect(err).toMatch(/1 of 4 attendee\(s\) did not finish/);
    expect(err).toMatch(/--retry-failed/);
    expect(await readFile(join(dir, 'bob', 'logs', 'workshop-run.log'), 'utf8')).toMatch(/✖ Step "key-vault" failed/);
    for (const id of ['alice', 'carol', 'dave']) expect((await readLedger(join(dir, id)))?.steps.verify?.status).toBe('done');
  });

  it('--retry-failed runs only the failed ones; a plain re-run resumes everyone', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob', 'carol']);
    await workshopRun(testIo(root), runOptions(dir), fakeRun({ failAt: { bob: 'key-vault', carol: 'verify' } }), steps);
    const calls: string[] = [];
    const io = testIo(root);
    expect(await workshopRun(io, runOptions(dir, { retryFailed: true }), fakeRun({ calls, failAt: { carol: 'verify' } }), steps)).toBe(1);
    expect(calls.sort()).toEqual(['bob', 'carol']);
    // The workshop's own summary (not the attendee's lines) and the ledgers say where each one stands.
    expect(io.err()).toMatch(/bob\s+verify\s+done/);
    expect(io.err()).toMatch(/carol\s+verify\s+FAILED at verify/);
    const bob = await readLedger(join(dir, 'bob'));
    expect([bob?.steps.preflight?.attempts, bob?.steps['key-vault']?.attempts]).toEqual([1, 2]);
    const again: string[] = [];
    const rerun = testIo(root);
    expect(await workshopRun(rerun, runOptions(dir), fakeRun({ calls: again }), steps)).toBe(0);
    expect(again.sort()).toEqual(['alice', 'bob', 'carol']);
    expect(rerun.err()).toMatch(/All attendees done \(3\)/);
    for (const id of ['alice', 'bob', 'carol']) {
      const ledger = await readLedger(join(dir, id));
      expect(
        steps.map((step) => ledger?.steps[step.id]?.status),
        id,
      ).toEqual(['done', 'done', 'done']);
    }
    // Resumed, not redone: alice's steps ran once, carol's verify a third time only.
    expect((await readLedger(join(dir, 'alice')))?.steps.verify?.attempts).toBe(1);
    expect((await readLedger(join(dir, 'carol')))?.steps.verify?.attempts).toBe(3);
    const none: string[] = [];
    const last = testIo(root);
    expect(await workshopRun(last, runOptions(dir, { retryFailed: true }), fakeRun({ calls: none }), steps)).toBe(0);
    expect(none).toEqual([]);
    expect(last.err()).toMatch(/Nothing to run: no attendee has failed/);
  });

  it('a second batch on the same dir exits 4 before touching anything; the lock goes with the first', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob']);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const firstCalls: string[] = [];
    const first = workshopRun(
      testIo(root),
      runOptions(dir),
      async (io, attendee, bus) => {
        firstCalls.push(attendee.id);
        await held;
        return fakeRun()(io, attendee, bus);
      },
      steps,
    );
    while (firstCalls.length === 0) await new Promise((r) => setTimeout(r, 5));
    const secondCalls: string[] = [];
    const second = testIo(root);
    await expect(workshopRun(second, runOptions(dir), fakeRun({ calls: secondCalls }), steps)).rejects.toMatchObject({ exitCode: 4 });
    expect(secondCalls).toEqual([]);
    expect(second.err()).not.toContain('Workshop run:');
    release();
    expect(await first).toBe(0);
    // Released: the next batch runs.
    expect(await workshopRun(testIo(root), runOptions(dir), fakeRun({ calls: secondCalls }), steps)).toBe(0);
    expect(secondCalls.sort()).toEqual(['alice', 'bob']);
  });

  it('--attendee selects; an unknown one is a usage error naming the attendees', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob']);
    const calls: string[] = [];
    expect(await workshopRun(testIo(root), runOptions(dir, { only: ['bob'] }), fakeRun({ calls }), steps)).toBe(0);
    expect(calls).toEqual(['bob']);
    await expect(workshopRun(testIo(root), runOptions(dir, { only: ['zed'] }), fakeRun(), steps)).rejects.toThrow(/Unknown attendee: zed/);
  });

  it('refuses, before running anyone, a target that differs from the ledgers', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob']);
    await workshopRun(testIo(root), runOptions(dir, { only: ['alice'] }), fakeRun(), steps);
    const calls: string[] = [];
    await expect(workshopRun(testIo(root), runOptions(dir, { sandbox: false }), fakeRun({ calls }), steps)).rejects.toThrow(
      /alice: the state .* belongs to the sandbox/,
    );
    expect(calls).toEqual([]);
  });

  it('status shows the matrix and failures from the ledgers, without touching any file', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob', 'carol']);
    await workshopRun(testIo(root), runOptions(dir, { only: ['alice', 'bob'] }), fakeRun({ failAt: { bob: 'key-vault' } }), steps);
    const before = await snapshot(dir);
    const io = testIo(root);
    expect(await workshopStatus(io, { dir }, steps)).toBe(0);
    expect(io.out()).toMatch(/alice\s+✔\s+✔\s+✔\s+done/);
    expect(io.out()).toMatch(/bob\s+✔\s+✖\s+·\s+FAILED at key-vault/);
    expect(io.out()).toMatch(/carol\s+·\s+·\s+·\s+not started/);
    expect(io.out()).toMatch(/VaultAlreadyExists/);
    const json = testIo(root);
    await workshopStatus(json, { dir, json: true }, steps);
    const doc = JSON.parse(json.out());
    expect(doc.attendees.map((a: { id: string; state: string }) => [a.id, a.state])).toEqual([
      ['alice', 'done'],
      ['bob', 'failed'],
      ['carol', 'not started'],
    ]);
    expect(doc.attendees[1].status.steps[1]).toMatchObject({ id: 'key-vault', status: 'failed' });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('teardown runs for every attendee that has a ledger, needs --yes off a terminal, same summary', async () => {
    const { root, dir } = await workshopDir(['alice', 'bob', 'carol']);
    await workshopRun(testIo(root), runOptions(dir, { only: ['alice', 'bob'] }), fakeRun(), steps);
    const torn: string[] = [];
    const task: AttendeeTask = async (_io, attendee, bus) => {
      torn.push(attendee.id);
      const emit = emitterFor(bus, { now: () => new Date(), sleep: async () => {} });
      emit({ type: 'step', stepId: 'key-vault', phase: 'running', status: 'running', attempt: 1 });
      emit({ type: 'step', stepId: 'key-vault', phase: 'done', status: 'done', attempt: 1 });
      const ledger = await readLedger(attendee.stateDir);
      if (ledger) {
        ledger.teardown = { status: 'done', removed: ['key-vault'] };
        await writeLedger(attendee.stateDir, ledger, new Date());
      }
      return 0;
    };
    await expect(workshopTeardown(testIo(root), { ...runOptions(dir), confirmed: false }, task, steps)).rejects.toThrow(
      /confirm with --yes/,
    );
    expect(torn).toEqual([]);
    const io = testIo(root);
    expect(await workshopTeardown(io, { ...runOptions(dir), confirmed: true }, task, steps)).toBe(0);
    expect(torn.sort()).toEqual(['alice', 'bob']);
    expect(io.err()).toMatch(/Teardown done for every attendee \(2\)/);
    const status = testIo(root);
    await workshopStatus(status, { dir, json: true }, steps);
    expect(JSON.parse(status.out()).attendees.map((a: { state: string }) => a.state)).toEqual(['torn down', 'torn down', 'not started']);
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const result: Record<string, string> = {};
  for (const e of entries.filter((x) => x.isFile())) {
    const path = join(e.parentPath, e.name);
    result[path] = `${(await stat(path)).mtimeMs}:${await readFile(path, 'utf8')}`;
  }
  return result;
}

describe('live matrix on a terminal', () => {
  it('redraws in place, never wider than the terminal, and shows the busiest rows when taller', async () => {
    const { root, dir } = await workshopDir(Array.from({ length: 30 }, (_, i) => `attendee-with-a-longer-name-${i}`));
    const base = testIo(root);
    const stderr = Object.assign(base.stderr, { isTTY: true, columns: 60, rows: 12 });
    const io = { ...base, stderr, env: { TERM: 'xterm' } };
    const code = await workshopRun(
      io,
      runOptions(dir, { concurrency: 5 }),
      fakeRun({ delayMs: 2, failAt: { 'attendee-with-a-longer-name-3': 'verify' } }),
      steps,
    );
    expect(code).toBe(1);
    const text = base.err();
    expect(text).toContain('\u001b[?25l');
    expect(text).toContain('\u001b[?25h');
    expect(text).toMatch(/\u001b\[\d+A\r\u001b\[J/);
    const frames = text.split('\u001b[?25h')[0]!.split(/\u001b\[\d+A\r\u001b\[J/);
    const last = frames
      .at(-1)!
      .replace(/\u001b\[[0-9;]*m/g, '')
      .trimEnd()
      .split('\n');
    expect(last.length).toBeLessThanOrEqual(12);
    for (const line of last) expect([...line].length).toBeLessThan(60);
    expect(last.join('\n')).toMatch(/more attendee\(s\) not shown/);
    expect(last.join('\n')).toMatch(/attendee-with-a-longer-name-3 /);
  });
});
