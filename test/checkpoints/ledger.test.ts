import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE } from '../../checkpoints/lock.js';
import { ledgerPath, newLedger, readLedger, verifySameTarget, writeLedger } from '../../checkpoints/ledger.js';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import { LockedError, UsageError } from '../../kernel/errors.js';
import { processIdentity } from '../../kernel/process-alive.js';
import { tempDir } from '../helpers/engine-harness.js';
import { makeZombie } from '../helpers/zombie.js';

const now = new Date('2026-11-26T10:00:00Z');

describe('ledger file', () => {
  it('round-trips and reports a missing file as "nothing ran yet"', async () => {
    const dir = await tempDir();
    expect(await readLedger(dir)).toBeUndefined();
    const data = newLedger({ kind: 'sandbox' }, now, 'abcd1234');
    await writeLedger(dir, data, now);
    expect(await readLedger(dir)).toEqual(data);
  });

  it.each([
    ['not JSON', '{"schema": "ratify-runbook/ledger", "version": 1, "steps": {'],
    [
      'an unknown version',
      JSON.stringify({ schema: 'ratify-runbook/ledger', version: 99, runId: 'x', target: { kind: 'sandbox' }, steps: {} }),
    ],
    [
      'another shape',
      JSON.stringify({
        schema: 'ratify-runbook/ledger',
        version: 1,
        runId: 'x',
        target: { kind: 'sandbox' },
        steps: { a: { status: 'weird' } },
      }),
    ],
  ])('refuses a ledger that is %s: exit 2, file untouched', async (_what, content) => {
    const dir = await tempDir();
    await writeFile(ledgerPath(dir), content);
    const error = await readLedger(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).hints.join(' ')).toContain('left untouched');
    expect(await readFile(ledgerPath(dir), 'utf8')).toBe(content);
  });

  it('saves asked for during a write share the next one, which holds every change; none is lost', async () => {
    const data = newLedger({ kind: 'sandbox' }, now, 'abcd1234');
    const written: string[] = [];
    let release: () => void = () => {};
    const write = async (_dir: string, d: typeof data) => {
      const text = JSON.stringify(Object.keys(d.steps)); // what this write puts on disk
      if (written.length === 0 && text === '[]') await new Promise<void>((resolve) => (release = resolve)); // the first is slow
      written.push(text);
    };
    const store = new LedgerStore('/unused', data, { now: () => now, sleep: async () => {} }, true, write);
    const first = store.save();
    await new Promise((resolve) => setImmediate(resolve)); // the first write is in flight
    expect(written).toEqual([]);
    const later = ['a', 'b', 'c'].map((id) => {
      data.steps[id] = { status: 'done', attempts: 1, outputs: {}, created: [], commands: [], logs: [] } as never;
      return store.save();
    });
    release();
    await Promise.all([first, ...later]);
    expect(written).toEqual(['[]', '["a","b","c"]']); // two writes, not four
    data.steps.d = data.steps.a!;
    await store.save(); // after the writes: a write of its own
    expect(written.at(-1)).toBe('["a","b","c","d"]');
  });

  it('a save folded into a queued write makes it durable when any of them asked for that', async () => {
    const data = newLedger({ kind: 'sandbox' }, now, 'abcd1234');
    const written: boolean[] = [];
    let release: () => void = () => {};
    const write = async (_dir: string, _d: typeof data, _now: Date, durable?: boolean) => {
      if (written.length === 0) await new Promise<void>((resolve) => (release = resolve)); // the first is slow
      written.push(durable ?? true);
    };
    const store = new LedgerStore('/unused', data, { now: () => now, sleep: async () => {} }, true, write);
    const first = store.save({ durable: false });
    await new Promise((resolve) => setImmediate(resolve)); // in flight
    const queued = [store.save({ durable: false }), store.save(), store.save({ durable: false })];
    release();
    await Promise.all([first, ...queued]);
    await store.save({ durable: false });
    // The first as asked; the three queued ones share a durable write; a lone quick save is not.
    expect(written).toEqual([false, true, false]);
  });

  it('settled() waits for the saves nobody waited for, and reports the latest one that failed until a later one lands', async () => {
    const data = newLedger({ kind: 'sandbox' }, now, 'abcd1234');
    const outcomes: ('fail' | 'ok')[] = ['fail', 'ok'];
    const finished: string[] = [];
    const write = async () => {
      await new Promise((r) => setTimeout(r, 5));
      const outcome = outcomes.shift() ?? 'ok';
      finished.push(outcome);
      if (outcome === 'fail') throw new Error('ENOSPC: no space left on device');
    };
    const store = new LedgerStore('/unused', data, { now: () => now, sleep: async () => {} }, true, write);
    store.save().catch(() => {}); // as a step's outcome is saved: not waited for
    await expect(store.settled()).rejects.toThrow(/ENOSPC/);
    expect(finished).toEqual(['fail']);
    store.save().catch(() => {});
    await store.settled();
    expect(finished).toEqual(['fail', 'ok']);
  });

  it('a ledger saved without fsync is still replaced whole, and read back', async () => {
    const dir = await tempDir();
    const data = newLedger({ kind: 'sandbox' }, now, 'quick000');
    await writeLedger(dir, data, now, false);
    expect((await readLedger(dir))?.runId).toBe('quick000');
  });

  it('refuses a command aimed at another target (exit 2)', () => {
    expect(() => verifySameTarget({ kind: 'sandbox' }, { kind: 'azure' }, '/s')).toThrow(/belongs to the sandbox.*Nothing was run/);
    expect(() => verifySameTarget({ kind: 'azure', subscriptionId: 'a' }, { kind: 'azure', subscriptionId: 'b' }, '/s')).toThrow(
      UsageError,
    );
    expect(() => verifySameTarget({ kind: 'azure', subscriptionId: 'a' }, { kind: 'azure' }, '/s')).not.toThrow();
  });

  it('survives kill -9 in the middle of writes: the ledger is always readable', async () => {
    const dir = await tempDir();
    await writeLedger(dir, newLedger({ kind: 'sandbox' }, now, 'first000'), now);
    const writer = new URL('../helpers/ledger-writer.mjs', import.meta.url).pathname;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Wait until it has written at least once, then kill it mid-stream without warning.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 5 + round * 7));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const data = await readLedger(dir);
      expect(data?.schema).toBe('ratify-runbook/ledger');
      expect(Object.keys(data?.steps ?? {}).length).toBeGreaterThan(0);
    }
  });
});

describe('state dir lock', () => {
  it('a second holder gets exit 4 naming the first', async () => {
    const dir = await tempDir();
    const held = await acquireLock(dir, 'ratify-runbook run', now, () => {});
    const error = await acquireLock(dir, 'ratify-runbook teardown', now, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).exitCode).toBe(4);
    expect((error as LockedError).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((error as LockedError).message).toContain('ratify-runbook run');
    await held.release();
    const again = await acquireLock(dir, 'x', now, () => {});
    await again.release();
  });

  it('takes over a stale lock left by a dead process, with a notice', async () => {
    const dir = await tempDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: dead.pid, host: hostname(), startedAt: 'earlier', command: 'run' }));
    const notices: string[] = [];
    const held = await acquireLock(dir, 'run', now, (line) => notices.push(line));
    expect(notices.join('\n')).toContain(`stale lock from pid ${dead.pid}`);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await held.release();
  });

  it('records which process holds it; a lock whose pid now belongs to another process (reused after a reboot) is taken over', async () => {
    const dir = await tempDir();
    const held = await acquireLock(dir, 'run', now, () => {});
    const recorded = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { process?: string };
    expect(recorded.process).toBe(processIdentity(process.pid));
    await held.release();
    const other = spawn('sleep', ['30']);
    await new Promise((r) => other.once('spawn', r));
    try {
      // The lock names a live pid, recorded for a process that started at another time.
      const [boot, ticks] = processIdentity(other.pid!)!.split('/');
      const lock = {
        pid: other.pid,
        host: hostname(),
        startedAt: 'before the reboot',
        command: 'run',
        process: `${boot}/${Number(ticks) - 1}`,
      };
      await writeFile(join(dir, LOCK_FILE), JSON.stringify(lock));
      const notices: string[] = [];
      const again = await acquireLock(dir, 'run', now, (line) => notices.push(line));
      expect(notices.join('\n')).toContain(`stale lock from pid ${other.pid}`);
      await again.release();
      // The same live pid recorded as itself still holds the lock.
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ ...lock, process: processIdentity(other.pid!) }));
      expect(await acquireLock(dir, 'run', now, () => {}).catch((e: unknown) => e)).toBeInstanceOf(LockedError);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock whose process was killed but not collected yet (a zombie: an init that never reaps)', async () => {
    const dir = await tempDir();
    const zombie = await makeZombie();
    try {
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: zombie.pid, host: hostname(), startedAt: 'earlier', command: 'run' }));
      const notices: string[] = [];
      const held = await acquireLock(dir, 'run', now, (line) => notices.push(line));
      expect(notices.join('\n')).toContain(`stale lock from pid ${zombie.pid}`);
      await held.release();
    } finally {
      zombie.release();
    }
  });
});
