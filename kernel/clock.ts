/** Time, injected: real in a run, scaled in the sandbox, fake in tests. */
export interface Clock {
  now(): Date;
  /** Resolves after ms, or rejects with an AbortError when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
