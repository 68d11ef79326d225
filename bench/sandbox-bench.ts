// Sandbox responsiveness: a world holding 50 attendees' resources, the median wall
// time of one fake `az` call against it, and of `node -e 0` measured in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startSandbox } from '../sandbox/index.js';

// Async spawns only: the world's server runs in this process, so spawnSync would deadlock it.
function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
  });
}

async function medianOf(argv: readonly string[], env: NodeJS.ProcessEnv, runs: number, warmup: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const r = await run(argv, env);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}`);
    if (i >= warmup) times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function sandboxBench(opts: { attendees?: number; runs?: number } = {}): Promise<string[]> {
  const attendees = opts.attendees ?? 50;
  const runs = opts.runs ?? 15;
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-'));
  const handle = await startSandbox({ worldDir: join(dir, 'sandbox') });
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...handle.profile.toolEnv,
      PATH: [...handle.profile.toolPath, process.env.PATH ?? ''].join(delimiter),
      HOME: dir,
    };
    const ids = Array.from({ length: attendees }, (_, i) => String(i + 1).padStart(2, '0'));
    const started = Date.now();
    await pool(ids, 4, async (id) => {
      await handle.seed({ resourceGroup: `rg-att${id}`, aksName: `aks-att${id}`, acrName: `acratt${id}x` });
      for (const argv of [
        ['az', 'keyvault', 'create', '-n', `kv-att${id}`, '-g', `rg-att${id}`, '-o', 'none'],
        ['az', 'identity', 'create', '-n', `id-att${id}`, '-g', `rg-att${id}`, '-o', 'none'],
        [
          'az',
          'acr',
          'build',
          '-r',
          `acratt${id}x`,
          '-t',
          `acratt${id}x.azurecr.io/net-monitor:v1`,
          'https://github.com/wabbit-networks/net-monitor.git#main',
          '--no-logs',
          '-o',
          'none',
        ],
      ]) {
        const r = await run(argv, env);
        if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}`);
      }
    });
    const seededMs = Date.now() - started;
    const middle = ids[Math.floor(attendees / 2)];
    const read = ['az', 'keyvault', 'show', '-n', `kv-att${middle}`, '--query', 'properties.vaultUri', '-o', 'tsv'];
    const azMs = await medianOf(read, env, runs, 3);
    // A write: `identity create` on an existing identity is a PUT that changes the world, so its
    // answer waits for the change to be durable (the cost a read does not pay).
    const write = ['az', 'identity', 'create', '-n', `id-att${middle}`, '-g', `rg-att${middle}`, '-o', 'none'];
    const writeMs = await medianOf(write, env, runs, 3);
    const nodeMs = await medianOf([process.execPath, '-e', '0'], env, runs, 3);
    return [
      `world: ${attendees} attendees (resource group, AKS, ACR, Key Vault, identity, one build each), set up in ${(seededMs / 1000).toFixed(1)} s`,
      `median of ${runs}: fake az call ${azMs.toFixed(1)} ms; node -e 0 ${nodeMs.toFixed(1)} ms (ratio ${(azMs / nodeMs).toFixed(2)}: the bash thin client costs less than a node start)`,
      `median of ${runs}: a mutating fake az call (az identity create, a PUT) ${writeMs.toFixed(1)} ms beside the read's ` +
        `${azMs.toFixed(1)} ms (ratio ${(writeMs / azMs).toFixed(2)}: the answer waits for its fsynced journal line)`,
    ];
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await sandboxBench()) process.stdout.write(`${line}\n`);
}
