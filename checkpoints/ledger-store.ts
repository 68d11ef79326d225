import type { Clock } from '../kernel/clock.js';
import { writeLedger } from './ledger.js';
import type { LedgerData } from './ledger-schema.js';

/**
 * The in-memory ledger plus its file. Saves are serialized (steps may finish at the same
 * moment) and each one is an atomic replace of state.json.
 */
export class LedgerStore {
  readonly data: LedgerData;
  readonly #stateDir: string;
  readonly #clock: Clock;
  #chain: Promise<void> = Promise.resolve();

  readonly #persist: boolean;

  /** `persist: false` keeps the ledger in memory only (`doctor` runs preflight without a ledger). */
  constructor(stateDir: string, data: LedgerData, clock: Clock, persist = true) {
    this.#persist = persist;
    this.#stateDir = stateDir;
    this.data = data;
    this.#clock = clock;
  }

  save(): Promise<void> {
    if (!this.#persist) return Promise.resolve();
    const next = this.#chain.then(async () => {
      await writeLedger(this.#stateDir, this.data, this.#clock.now());
    });
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.#chain = next.catch(() => {});
    return next;
  }
}
