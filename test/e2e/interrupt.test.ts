import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, cleanEnv, runCli, withTempHome } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { keys, spawnPty } from '../helpers/pty.js';

/**
 * Ctrl-C in a real terminal and SIGTERM, on the built binary: the first signal stops the
 * running steps (marked interrupted, naming the signal), saves the ledger and exits 130; the
 * next run finishes.
 */
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

interface StatusDoc {
  steps: { id: string; status: string; error?: string }[];
}

async function status(stateDir: string): Promise<StatusDoc> {
  const result = await runCli(['status', '--json', '--state-dir', stateDir]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusDoc;
}

async function expectInterruptedAndResumable(stateDir: string, signal: RegExp): Promise<void> {
  const doc = await status(stateDir);
  expect(doc.steps.filter((s) => s.status === 'running').map((s) => s.id)).toEqual([]);
  // A tool that died of the same Ctrl-C (the terminal signals the whole process group) is not a failure.
  expect(doc.steps.filter((s) => s.status === 'failed').map((s) => `${s.id}: ${s.error}`)).toEqual([]);
  const interrupted = doc.steps.filter((s) => s.status === 'interrupted');
  expect(interrupted.length, JSON.stringify(doc.steps)).toBeGreaterThan(0);
  for (const step of interrupted) expect(step.error).toMatch(signal);
  const next = await runCli(['run', '--sandbox', '--non-interactive', '--state-dir', stateDir]);
  expect(next.code, next.stderr).toBe(0);
}

/** A plain (no TTY) run of the built binary that the test can signal. */
function background(args: readonly string[], home: string) {
  const env = { ...cleanEnv(), HOME: home, CI: 'true' };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(stderr)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}:\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, waitFor, stderr: () => stderr };
}

describe('Ctrl-C in a real terminal (pty)', () => {
  it('--yes run: exit 130, no step left running, the next run finishes', async () => {
    const stateDir = join(await tempDir(), 'state');
    const args = ['run', '--sandbox', '--sandbox-latency', 'demo', '--yes', '--answers', demoAnswers, '--state-dir', stateDir];
    const session = await spawnPty(args);
    await session.waitFor(/✔ Check tools, login, rights and cluster/, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    session.write(keys.ctrlC);
    expect(await session.exited).toBe(130);
    expect(session.text()).toMatch(/Interrupted by Ctrl-C \(SIGINT\)/);
    await expectInterruptedAndResumable(stateDir, /interrupted by Ctrl-C \(SIGINT\); the next run resumes here/);
  });

  it('guided run: Ctrl-C while the steps run, and Ctrl-C at a question, both exit 130', async () => {
    const stateDir = join(await tempDir(), 'state');
    const session = await spawnPty(['run', '--sandbox', '--sandbox-latency', 'demo', '--answers', demoAnswers, '--state-dir', stateDir]);
    let at = await session.waitFor(/Use these answers\?/);
    session.write(keys.enter);
    at = await session.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    session.write(`${keys.down}${keys.down}${keys.enter}`); // Run all remaining steps without asking
    await session.waitFor(/✔ Remove the Image Integrity preview/, 60_000, at);
    session.write(keys.ctrlC);
    expect(await session.exited).toBe(130);
    const doc = await status(stateDir);
    expect(doc.steps.filter((s) => s.status === 'running')).toEqual([]);
    expect(doc.steps.some((s) => s.status === 'interrupted')).toBe(true);

    const asked = await spawnPty(['run', '--sandbox', '--state-dir', stateDir]);
    at = await asked.waitFor(/Use these answers\?/);
    asked.write(keys.enter);
    await asked.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    asked.write(keys.ctrlC);
    expect(await asked.exited).toBe(130);
    expect(asked.text()).toMatch(/Stopped at a question \(Ctrl-C\)/);
    await expectInterruptedAndResumable(stateDir, /interrupted by Ctrl-C \(SIGINT\)/);
  });
});

const demoRun = ['run', '--sandbox', '--sandbox-latency', 'demo', '--non-interactive', '--answers', demoAnswers];

describe('SIGTERM', () => {
  it('names the signal in the ledger; a second SIGTERM still ends with 130', async () => {
    const stateDir = join(await tempDir(), 'state');
    await withTempHome(async (home) => {
      const run = background([...demoRun, '--state-dir', stateDir], home);
      await run.waitFor(/key-vault: running/);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(130);
      expect(run.stderr()).toMatch(/SIGTERM: stopping after saving the ledger/);
    });
    await expectInterruptedAndResumable(stateDir, /interrupted by SIGTERM; the next run resumes here/);

    const again = join(await tempDir(), 'state');
    await withTempHome(async (home) => {
      const run = background([...demoRun, '--state-dir', again], home);
      await run.waitFor(/key-vault: running/);
      run.child.kill('SIGTERM');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(130);
    });
    const next = await runCli(['run', '--sandbox', '--non-interactive', '--state-dir', again]);
    expect(next.code, next.stderr).toBe(0);
  });

  it('teardown: interrupted, recorded as such, and the next teardown finishes', async () => {
    const stateDir = join(await tempDir(), 'state');
    const first = await runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir]);
    expect(first.code, first.stderr).toBe(0);
    await withTempHome(async (home) => {
      // Demo latency: the policy's removal waits for the add-on's sync, time enough to interrupt it.
      const teardown = background(['teardown', '--sandbox', '--sandbox-latency', 'demo', '--yes', '--state-dir', stateDir], home);
      await teardown.waitFor(/waiting for|policy: running/);
      teardown.child.kill('SIGTERM');
      expect(await teardown.exited).toBe(130);
      expect(teardown.stderr()).toMatch(/Teardown interrupted by SIGTERM/);
    });
    const ledger = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(ledger.teardown).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/interrupted by SIGTERM/) });
    const again = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')).teardown.status).toBe('done');
  });
});

describe('workshop run: Ctrl-C stops every attendee; a second batch on the same dir is refused', () => {
  it('3 attendees in a pty: exit 130, the matrix says interrupted, nobody left running; the next run finishes', async () => {
    const root = await tempDir('rr-ws-int-');
    await writeFile(join(root, 'roster.csv'), 'id\nada\nbo\ncy\n');
    const dir = join(root, 'ws');
    const init = await runCli(['workshop', 'init', '--roster', join(root, 'roster.csv'), '--out', dir]);
    expect(init.code, init.stderr).toBe(0);

    const session = await spawnPty(['workshop', 'run', '--dir', dir, '--sandbox', '--sandbox-latency', 'demo', '--concurrency', '3']);
    await session.waitFor(/Workshop run: 3 attendee/, 60_000);
    await new Promise((r) => setTimeout(r, 6000));
    // Meanwhile, a second batch on the same dir: exit 4 before touching anything.
    const second = await runCli(['workshop', 'run', '--dir', dir, '--sandbox']);
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/is in use by "ratify-runbook workshop run"/);
    session.write(keys.ctrlC);
    expect(await session.exited).toBe(130);
    expect(session.text()).toMatch(/interrupted/);

    const after = await runCli(['workshop', 'status', '--dir', dir, '--json']);
    const doc = JSON.parse(after.stdout) as { attendees: { id: string; state: string; status: StatusDoc }[] };
    for (const attendee of doc.attendees) {
      expect(attendee.state, attendee.id).toBe('interrupted');
      expect(
        attendee.status.steps.filter((s) => s.status === 'running'),
        attendee.id,
      ).toEqual([]);
      const stopped = attendee.status.steps.filter((s) => s.status === 'interrupted');
      expect(stopped.length, attendee.id).toBeGreaterThan(0);
      for (const step of stopped) expect(step.error).toMatch(/interrupted by Ctrl-C \(SIGINT\)/);
    }
    // The second batch wrote nothing into the first one's logs.
    for (const id of ['ada', 'bo', 'cy']) {
      expect((await readFile(join(dir, id, 'logs', 'workshop-run.log'), 'utf8')).match(/^--- /gm)).toHaveLength(1);
    }

    const next = await runCli(['workshop', 'run', '--dir', dir, '--sandbox']);
    expect(next.code, next.stderr).toBe(0);
  }, 240_000);
});
