import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { World } from './model.js';
import { applyChange, trackChanges, valueAt, type ChangeTracker, type Path } from './tracked.js';

/**
 * Where a world lives on disk:
 *   world.json            a snapshot, with `journalSeq`: the last commit it contains;
 *   journal-<gen>.jsonl   append-only, one line per commit: {"seq":n,"ops":[[path,value]|[path]]}.
 * A commit is fsynced before the call that made it answers; loading replays every journal line
 * newer than the snapshot. Snapshots (compaction) happen when the journal grows, when an owner
 * takes over a world whose last owner died, and when the owner closes.
 */
export const worldFile = (worldDir: string): string => join(worldDir, 'world.json');
const JOURNAL = /^journal-(\d+)\.jsonl$/;
const journalName = (gen: number): string => `journal-${String(gen).padStart(6, '0')}.jsonl`;

/** A snapshot is taken when the current journal grows past this (default). */
const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * `durable: false`: a commit made in the course of a tool call (one of the owner's own tools
 * writing through the Kubernetes API). Its change is written and shown at once, and made durable
 * by the call's closing commit, before the call answers; any other client's write is durable
 * before its own answer, and any other client's read waits for that.
 */
export interface CommitOptions {
  readonly durable?: boolean;
}

export interface StoreOptions {
  /** Take a snapshot once the journal holds this many bytes. */
  readonly compactAfterBytes?: number;
}

/** Atomic write: temp file + fsync + rename (+ directory fsync), so a crash never leaves half a file. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDirSync(dirname(path));
}

function syncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not every platform can fsync a directory; the rename is still atomic */
  }
}

interface Loaded {
  readonly world: World;
  /** The last commit applied (snapshot or journal). */
  readonly seq: number;
  /** Journal generations found (replayed, then superseded by a new snapshot). */
  readonly journals: readonly number[];
}

function journalsIn(worldDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(worldDir);
  } catch {
    return [];
  }
  return names.flatMap((n) => (JOURNAL.test(n) ? [Number(JOURNAL.exec(n)![1])] : [])).sort((a, b) => a - b);
}

/**
 * The world as the last acknowledged commit left it: the snapshot, then every newer journal
 * line. A torn last line (a kill during its write, never acknowledged) is ignored; a damaged
 * line followed by good ones means the file was tampered with, and is an error.
 */
function loadFromDisk(worldDir: string): Loaded | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(worldFile(worldDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const journals = journalsIn(worldDir);
  if (text === undefined && journals.length === 0) return undefined;
  if (text === undefined) throw new Error(`${worldFile(worldDir)} is missing but journal files are there: the world cannot be rebuilt`);
  const parsed = JSON.parse(text) as World & { journalSeq?: number };
  const { journalSeq = 0, ...world } = parsed;
  if (world.version !== 1) throw new Error(`${worldFile(worldDir)}: unsupported world version ${String(world.version)}`);
  let seq = journalSeq;
  for (const gen of journals) {
    const file = join(worldDir, journalName(gen));
    const lines = readFileSync(file, 'utf8').split('\n');
    // The part after the last newline is a torn write (never acknowledged).
    lines.pop();
    for (let i = 0; i < lines.length; i++) {
      let commit: { seq: number; ops: ([Path, unknown] | [Path])[] };
      try {
        commit = JSON.parse(lines[i]!) as typeof commit;
      } catch {
        if (lines.slice(i + 1).every((l) => l.trim() === '')) break;
        throw new Error(`${file}: line ${i + 1} is damaged and later lines follow it; the world cannot be replayed past it`);
      }
      if (commit.seq <= seq) continue;
      for (const op of commit.ops) applyChange(world, op[0], op[1], op.length === 1);
      seq = commit.seq;
    }
  }
  return { world: world, seq, journals };
}

/** Reads a world (snapshot + journal) without owning it: for tests and tools that inspect one. */
export function loadWorld(worldDir: string): World | undefined {
  return loadFromDisk(worldDir)?.world;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The owner's world and its durability. Every mutation path changes `view` and then awaits
 * `commit()` before it answers: the changed entries are appended to the journal and fsynced
 * (commits that arrive together share one write and one fsync). `settled()` is what a read
 * awaits, so it never reports a change that is not durable yet.
 *
 * `commit({ durable: false })` is for the steps of a tool call (the Kubernetes API requests a
 * fake helm makes to install a chart): the line is written, and the fdatasync is left to the
 * call's own closing commit, which covers every line before it. The call answers only after
 * that, so what a user was told is durable, as before; a kill loses nothing either way (the
 * lines are in the page cache).
 */
export class WorldStore {
  readonly worldDir: string;
  /** The raw world (serialized as is); mutate only through `view`. */
  readonly raw: World;
  readonly #tracker: ChangeTracker<World>;
  #seq: number;
  #gen: number;
  #handle: FileHandle | undefined;
  #bytes = 0;
  #pending: { line: string; durable: boolean; seq: number; waiter: Waiter }[] = [];
  /** The last commit written without its own fdatasync, and the last one an fdatasync covers. */
  #unsyncedSeq = 0;
  #syncedSeq = 0;
  #flushing: Promise<void> | undefined;
  #compacting: Promise<void> | undefined;
  #lastDurable: Promise<void> = Promise.resolve();
  #lastWritten: Promise<void> = Promise.resolve();
  #closed = false;
  /** The last commit world.json holds. */
  #snapshotSeq: number;
  readonly #compactAfter: number;

  private constructor(worldDir: string, world: World, seq: number, gen: number, options: StoreOptions) {
    this.worldDir = worldDir;
    this.#compactAfter = options.compactAfterBytes ?? COMPACT_AFTER_BYTES;
    this.raw = world;
    this.#tracker = trackChanges(world);
    this.#seq = seq;
    this.#snapshotSeq = seq;
    this.#gen = gen;
  }

  /**
   * Loads the world (or creates it with `fresh`). A journal left by an owner that died is folded
   * into a new snapshot first, so the journal never grows across owners.
   */
  static async open(worldDir: string, fresh: () => World, options: StoreOptions = {}): Promise<WorldStore> {
    mkdirSync(worldDir, { recursive: true });
    const loaded = loadFromDisk(worldDir);
    const world = loaded?.world ?? fresh();
    const seq = loaded?.seq ?? 0;
    const journals = loaded?.journals ?? [];
    const store = new WorldStore(worldDir, world, seq, (journals.at(-1) ?? 0) + 1, options);
    if (!loaded || journals.length > 0) {
      await store.#writeSnapshot(JSON.stringify({ ...world, journalSeq: seq }));
      for (const gen of journals) rmSync(join(worldDir, journalName(gen)), { force: true });
    }
    return store;
  }

  /** The world to read and change. */
  get view(): World {
    return this.#tracker.view;
  }

  /** True when a change made through the view is not committed yet. */
  get uncommitted(): boolean {
    return this.#tracker.changed;
  }

  /** The last commit's sequence number. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Makes every change since the last commit durable; resolves once it (and every earlier
   * commit) is on disk. With nothing changed it only waits for earlier commits. `durable: false`
   * resolves once the line is written (a step of a tool call, see above).
   */
  commit(options: CommitOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the world store is closed'));
    const durable = options.durable !== false;
    const paths = this.#tracker.take();
    if (paths.length === 0) return durable ? this.settled() : this.#lastWritten;
    const ops = paths.map((path) => {
      const value = valueAt(this.raw, path);
      return value === undefined ? [path] : [path, value];
    });
    this.#seq += 1;
    if (!durable) this.#unsyncedSeq = this.#seq;
    return this.#enqueue(`${JSON.stringify({ seq: this.#seq, ops })}\n`, durable);
  }

  /** Resolves when every commit made so far is durable (what a read awaits before answering). */
  settled(): Promise<void> {
    if (this.#tracker.changed) return this.commit();
    // Lines written without an fdatasync of their own get one now.
    if (this.#unsyncedSeq > this.#syncedSeq) return this.#enqueue('', true);
    return this.#lastDurable;
  }

  #enqueue(line: string, durable: boolean): Promise<void> {
    const seq = this.#seq;
    const done = new Promise<void>((resolve, reject) => this.#pending.push({ line, durable, seq, waiter: { resolve, reject } }));
    this.#lastWritten = done.catch(() => {});
    if (durable) this.#lastDurable = this.#lastWritten;
    this.#flushing ??= this.#flush();
    return done;
  }

  /**
   * One writer: each round appends everything pending with one write, and one fdatasync when any
   * of it asks to be durable (that also covers every line written before).
   */
  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          const handle = await this.#journal();
          const text = batch.map((b) => b.line).join('');
          if (text) await handle.write(text);
          // A snapshot is about to leave this journal: its lines must be durable first, or a
          // later durable line in the next journal could outlive one it follows.
          const compacting = this.#bytes + Buffer.byteLength(text) > this.#compactAfter && !this.#compacting;
          if (compacting || batch.some((b) => b.durable)) {
            await handle.datasync();
            this.#syncedSeq = Math.max(this.#syncedSeq, ...batch.map((b) => b.seq));
          }
          this.#bytes += Buffer.byteLength(text);
          for (const b of batch) b.waiter.resolve();
        } catch (e) {
          for (const b of batch) b.waiter.reject(e as Error);
        }
        if (this.#bytes > this.#compactAfter && !this.#compacting) {
          this.#compacting = this.#compact().finally(() => (this.#compacting = undefined));
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #journal(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    this.#handle = await open(join(this.worldDir, journalName(this.#gen)), 'a', 0o600);
    // The new file's name must be durable before a commit in it is acknowledged.
    syncDirSync(this.worldDir);
    return this.#handle;
  }

  /**
   * A snapshot of the world as it is now (it holds every commit formed so far); later commits
   * go to a new journal file. The old file is removed once the snapshot is durable.
   */
  async #compact(): Promise<void> {
    const seq = this.#seq;
    const text = JSON.stringify({ ...this.raw, journalSeq: seq });
    const old = { gen: this.#gen, handle: this.#handle };
    this.#gen += 1;
    this.#handle = undefined;
    this.#bytes = 0;
    await this.#writeSnapshot(text);
    this.#snapshotSeq = seq;
    await old.handle?.close();
    await rm(join(this.worldDir, journalName(old.gen)), { force: true });
  }

  async #writeSnapshot(text: string): Promise<void> {
    const path = worldFile(this.worldDir);
    const tmp = `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    syncDirSync(this.worldDir);
  }

  /** Commits what is left, writes a final snapshot and removes the journal (the owner's shutdown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.commit().catch(() => {});
    while (this.#flushing || this.#compacting) await (this.#flushing ?? this.#compacting);
    this.#closed = true;
    await this.#handle?.close();
    this.#handle = undefined;
    // Nothing committed since the last snapshot (a session that only read): world.json is whole.
    const journals = journalsIn(this.worldDir);
    if (this.#seq === this.#snapshotSeq && journals.length === 0) return;
    await this.#writeSnapshot(JSON.stringify({ ...this.raw, journalSeq: this.#seq }));
    for (const gen of journals) rmSync(join(this.worldDir, journalName(gen)), { force: true });
  }
}
