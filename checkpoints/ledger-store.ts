import type { Clock } from '../kernel/clock.js';
import { writeLedger } from './ledger.js';
import type { LedgerData } from './ledger-schema.js';

/**
 * The in-memory ledger plus its file. Saves are serialized (steps may finish at the same
 * moment) and each one is an atomic replace of state.json. Saves asked for while a write is in
 * flight share the one write that follows it: that write holds the ledger as it is when it
 * starts, every asked-for change included (ten attendees in one process save often).
 */
export class LedgerStore {
  readonly data: LedgerData;
  readonly #stateDir: string;
  readonly #clock: Clock;
  #chain: Promise<void> = Promise.resolve();
  /** The write waiting for the one in flight, not started yet. */
  #queued: Promise<void> | undefined;
  /** Whether any save folded into the queued write asked for it to be durable. */
  #queuedDurable = false;
  /** The error of the latest write, until a later one succeeds (settled() reports it). */
  #failure: Error | undefined;

  readonly #persist: boolean;
  readonly #write: typeof writeLedger;

  /** `persist: false` keeps the ledger in memory only (`doctor` runs preflight without a ledger). */
  constructor(stateDir: string, data: LedgerData, clock: Clock, persist = true, write: typeof writeLedger = writeLedger) {
    this.#persist = persist;
    this.#stateDir = stateDir;
    this.data = data;
    this.#clock = clock;
    this.#write = write;
  }

  /**
   * `durable: false` still replaces the file atomically, so a killed process leaves it on disk all
   * the same (the page cache outlives the process); it only skips the fsyncs, which a power cut
   * alone would need. For saves a resume does not depend on (a step marked as started).
   */
  save(options: { readonly durable?: boolean } = {}): Promise<void> {
    if (!this.#persist) return Promise.resolve();
    const durable = options.durable ?? true;
    if (this.#queued) {
      this.#queuedDurable ||= durable;
      return this.#queued;
    }
    this.#queuedDurable = durable;
    const next = this.#chain.then(async () => {
      const asDurable = this.#queuedDurable;
      this.#queued = undefined; // from here on, a change needs the next write
      try {
        await this.#write(this.#stateDir, this.data, this.#clock.now(), asDurable);
        this.#failure = undefined;
      } catch (error) {
        this.#failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      }
    });
    this.#queued = next;
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.#chain = next.catch(() => {});
    return next;
  }

  /**
   * Resolves once every write asked for so far has ended; rejects when the latest of them failed.
   * A caller that did not wait for a save (a step's start and outcome) learns here what became of it.
   */
  async settled(): Promise<void> {
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }
}
