import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** One tool call from the sandbox's call log. */
export interface Call {
  argv: string[];
  ms: number;
  step: string;
}

function runCli(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/bin/ratify-runbook.js'), ...args], {
      stdio: 'ignore',
      env: { ...process.env, CI: '1' },
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
}

/** A full run of the demo answers on a fresh sandbox at `latency`, as the built binary: its wall time and call log. */
export async function demoRun(latency: string): Promise<{ ms: number; calls: Call[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'rr-bench-'));
  try {
    const answers = join(root, 'templates/answers/demo.yaml');
    const started = performance.now();
    const code = await runCli([
      'run',
      '--sandbox',
      '--sandbox-latency',
      latency,
      '--non-interactive',
      '--answers',
      answers,
      '--state-dir',
      dir,
    ]);
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`the ${latency} run exited ${code}`);
    const calls = (await readFile(join(dir, 'sandbox', 'calls.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
    return { ms, calls };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
