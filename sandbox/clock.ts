/** World time. Injectable so tests can run `instant` without sleeping and step time by hand. */
export interface SandboxClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: SandboxClock = {
  now: () => Date.now(),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms))),
};
