import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newLedger } from '../../checkpoints/ledger.js';
import { createProgressBus } from '../../runner/progress-bus.js';
import { NOTEBOOK_REFRESH_MS, subscribeNotebook } from '../../runner/notebook.js';

// The writes are real files, so they finish on the disk's time, not the fake clock's: every write
// is recorded with its promise, and settled() waits for all of them (and for any write a finished
// one let start) before the test reads the file. Without it the test raced the disk (a CI run read
// the notebook before the interval's write had landed).
const writes = vi.hoisted(() => ({ started: [] as { content: string; done: Promise<void> }[] }));
vi.mock('../../checkpoints/atomic-write.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../checkpoints/atomic-write.js')>();
  return {
    ...real,
    writeFileAtomic: (...args: Parameters<typeof real.writeFileAtomic>) => {
      const done = real.writeFileAtomic(...args);
      writes.started.push({ content: args[1], done });
      return done;
    },
  };
});

async function settled(): Promise<void> {
  for (let seen = -1; seen !== writes.started.length;) {
    seen = writes.started.length;
    await Promise.allSettled(writes.started.map((write) => write.done));
    await new Promise((resolve) => setImmediate(resolve)); // setImmediate is not faked
  }
}

describe('the notebook writer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notebook-writer-'));
    writes.started.length = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the first change at once, folds a burst into one write at the end of the interval, and close() writes the last state', async () => {
    const bus = createProgressBus();
    const ledger = newLedger({ kind: 'sandbox' }, new Date('2026-12-01T10:00:00Z'), 'run1');
    const notebook = async () => {
      await settled();
      return readFile(join(dir, 'notebook.md'), 'utf8');
    };
    const stamp = async (at: string) => {
      ledger.updatedAt = at;
      bus.emit({ type: 'step', at, stepId: 'alpha', phase: 'done', status: 'done', attempt: 1 });
      await vi.advanceTimersByTimeAsync(0);
    };
    const writer = subscribeNotebook(bus, dir, ledger, []);
    await stamp('T1');
    expect(await notebook()).toContain('updated T1.');
    expect(writes.started).toHaveLength(1);
    // Two more changes right away: both wait for the interval, and its one write carries the last.
    await stamp('T2');
    await stamp('T3');
    await vi.advanceTimersByTimeAsync(NOTEBOOK_REFRESH_MS - 10);
    expect(await notebook()).toContain('updated T1.');
    expect(writes.started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(await notebook()).toContain('updated T3.');
    expect(writes.started).toHaveLength(2);
    // The run ends inside an interval: close() does not wait for it.
    await stamp('T4');
    await writer.close();
    expect(await readFile(join(dir, 'notebook.md'), 'utf8')).toContain('updated T4.');
    expect(writes.started.map((write) => /updated (T\d)\./.exec(write.content)?.[1])).toEqual(['T1', 'T3', 'T4']);
  });

  it('a change after a quiet spell is written at once', async () => {
    const bus = createProgressBus();
    const ledger = newLedger({ kind: 'sandbox' }, new Date('2026-12-01T10:00:00Z'), 'run1');
    const writer = subscribeNotebook(bus, dir, ledger, []);
    bus.emit({ type: 'step', at: 'x', stepId: 'alpha', phase: 'done', status: 'done', attempt: 1 });
    await vi.advanceTimersByTimeAsync(NOTEBOOK_REFRESH_MS * 3);
    ledger.updatedAt = 'LATER';
    bus.emit({ type: 'step', at: 'y', stepId: 'beta', phase: 'failed', status: 'failed', attempt: 1 });
    await vi.advanceTimersByTimeAsync(0);
    await settled();
    expect(writes.started).toHaveLength(2);
    expect(await readFile(join(dir, 'notebook.md'), 'utf8')).toContain('updated LATER.');
    await writer.close();
  });
});
