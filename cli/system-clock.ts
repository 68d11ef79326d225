import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../kernel/clock.js';

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, { signal });
  },
};

/**
 * The clock steps see. On Azure it is the system clock. Against a sandbox that simulates
 * Azure's durations at a scale (realistic:0.02 = 50x faster), simulated time runs at that
 * scale too: a 10 s poll waits 200 ms and a 30 min deadline lasts 36 s, so the runbook polls
 * exactly as it would on Azure, only faster. Timestamps in the ledger stay real.
 */
export function clockForScale(scale: number | undefined): Clock {
  if (scale === undefined || scale === 1) return systemClock;
  const factor = Math.max(scale, 0.0005); // instant worlds still need a finite deadline
  const origin = Date.now();
  return {
    now: () => new Date(origin + (Date.now() - origin) / factor),
    sleep: async (ms, signal) => {
      await sleep(Math.max(0, Math.round(ms * factor)), undefined, { signal });
    },
  };
}
