import { spawnSync } from 'node:child_process';

/** Median wall time (ms) of a command run `runs` times after `warmup` unmeasured runs. */
export function medianMs(argv: readonly string[], runs = 15, warmup = 3, env: NodeJS.ProcessEnv = process.env): number {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty command');
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { stdio: 'ignore', env });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}`);
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function row(label: string, value: string): string {
  return `${label.padEnd(58)} ${value}`;
}
