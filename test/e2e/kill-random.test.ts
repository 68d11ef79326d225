import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { demoAnswers, expectConverged, expectTornDown } from '../helpers/kill-chain.js';

/**
 * kill -9 at random moments of a demo-latency run (the sandbox's owner lives in the runbook's
 * process, so the world's owner dies too): each next run takes the stale locks over, replays
 * the world's journal, settles the write-ahead records and resumes. Each kill comes after a
 * random number of the run's progress lines and then a random pause: a random moment of the
 * work, whatever the machine's load does to start-up. The draws come from a logged seed, so a
 * failure can be replayed.
 */
function startRun(stateDir: string, home: string) {
  const args = ['run', '--sandbox', '--sandbox-latency', 'demo', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...cleanEnv(), HOME: home, CI: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiting = new Set<() => void>();
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const check of waiting) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  /**
   * Resolves once the run has printed `count` lines of new work: lines of the steps after
   * preflight (which re-runs every time), not the "done earlier" ones of a resume.
   */
  const progressLines = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        const work = stderr.match(/^\[\d\d:\d\d:\d\d\] (?!preflight:|provision-base:)[a-z-]+: (?!done earlier)/gm) ?? [];
        if (work.length < count) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    });
  return { child, exited, progressLines, stderr: () => stderr };
}

async function stepsDone(stateDir: string): Promise<number> {
  const text = await readFile(join(stateDir, 'state.json'), 'utf8').catch(() => '{"steps":{}}');
  return Object.values((JSON.parse(text) as { steps: Record<string, { status: string }> }).steps).filter((s) => s.status === 'done').length;
}

describe('kill -9 at random moments of a demo-latency run', () => {
  it('at least 10 kills spread over the run: it converges, one of each, teardown leaves nothing', async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    console.log(`kill -9 moments seeded with KILL_SEED=${seed}`);
    const next = seededRandom(seed);
    const stateDir = await tempDir();
    const home = mkdtempSync(join(tmpdir(), 'rr-home-'));
    const kills: number[] = [];
    // How far the run had got at each kill (steps done): the kills must land all over it.
    const progress = new Set<number>();
    try {
      for (let attempt = 0; attempt < 60; attempt++) {
        const running = startRun(stateDir, home);
        // After 1 to 6 progress lines, then 0 to 400 ms: inside a command, between two, mid-save...
        const lines = 1 + Math.floor(next() * 6);
        const pause = Math.floor(next() * 400);
        let timer: NodeJS.Timeout | undefined;
        void running.progressLines(lines).then(() => (timer = setTimeout(() => running.child.kill('SIGKILL'), pause)));
        const outcome = await running.exited;
        clearTimeout(timer);
        if (outcome.signal === 'SIGKILL') {
          kills.push(lines * 1000 + pause);
          progress.add(await stepsDone(stateDir));
          continue;
        }
        // Finished on its own: the kills before it are what this test counts.
        expect(outcome.code, running.stderr().slice(-3000)).toBe(0);
        break;
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const done = [...progress].sort((a, b) => a - b).join(', ');
    const when = kills.map((k) => `${Math.floor(k / 1000)} lines + ${k % 1000} ms`).join(', ');
    console.log(`${kills.length} kill -9s (${when}); steps done at them: ${done}`);
    expect(kills.length, when).toBeGreaterThanOrEqual(10);
    expect(progress.size, `steps done at the kills: ${[...progress].join(', ')}`).toBeGreaterThanOrEqual(5);
    await expectConverged(stateDir, 'rbac');
    await expectTornDown(stateDir);
  }, 900_000);
});
