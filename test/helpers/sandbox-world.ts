import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { SandboxHandle } from '../../sandbox/index.js';
import type { SeedOptions } from '../../sandbox/types.js';
import { start } from '../../sandbox/start.js';
import type { SandboxClock } from '../../sandbox/clock.js';

/**
 * A sandbox world in a temp dir, with the fake tools run as separate processes through the
 * world's PATH (the same code path the runbook's children take).
 */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface TestWorld {
  dir: string;
  handle: SandboxHandle;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  run(argv: readonly string[], extraEnv?: Record<string, string>, stdin?: string): Promise<RunResult>;
  close(): Promise<void>;
}

export const ANSWERS = { resourceGroup: 'rg-demo', aksName: 'aks-demo', acrName: 'acrdemo01', location: 'eastus' };

/** World time that only moves when something sleeps or the test advances it: no real waiting. */
export interface VirtualClock extends SandboxClock {
  advance(ms: number): void;
}

export function virtualClock(startMs = Date.now()): VirtualClock {
  let t = startMs;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface WorldOptions {
  latency?: string;
  faults?: string[];
  seed?: boolean;
  dir?: string;
  clock?: SandboxClock;
  /** --sandbox-tools, e.g. 'helm=3'. */
  tools?: string;
  cluster?: SeedOptions['cluster'];
  caller?: SeedOptions['caller'];
}

export async function openWorld(opts: WorldOptions = {}): Promise<TestWorld> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sbx-'));
  const handle = await start({
    worldDir: join(dir, 'sandbox'),
    ...(opts.latency ? { latency: opts.latency } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.tools ? { tools: opts.tools } : {}),
  });
  const seedOptions = { ...(opts.cluster ? { cluster: opts.cluster } : {}), ...(opts.caller ? { caller: opts.caller } : {}) };
  if (opts.seed !== false) await handle.seed(ANSWERS, seedOptions);
  const kubeconfig = join(dir, 'kubeconfig');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...handle.profile.toolEnv,
    PATH: [...handle.profile.toolPath, process.env.PATH ?? ''].join(delimiter),
    KUBECONFIG: kubeconfig,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    HELM_REPOSITORY_CONFIG: join(dir, 'helm-repos.yaml'),
  };
  const run = (argv: readonly string[], extraEnv: Record<string, string> = {}, stdin?: string): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { env: { ...env, ...extraEnv }, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
      child.stdin.end(stdin ?? '');
    });
  return {
    dir,
    handle,
    kubeconfig,
    env,
    run,
    close: async () => {
      await handle.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
