/**
 * `ratify-runbook ui` as a command: its exit codes (those of `run`), --exit-when-done, Ctrl-C
 * mid-run, and bad usage refused before anything is served. Built binary, sandbox.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { serve, signIn } from '../helpers/served.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

describe('ratify-runbook ui (command)', () => {
  it('--yes --exit-when-done runs every step while the page watches, then exits 0 with the status JSON', { timeout: 120_000 }, async () => {
    const stateDir = await tempDir('rr-ui-cli-');
    const served = await serve([
      'ui',
      '--sandbox',
      '--no-open',
      '--yes',
      '--exit-when-done',
      '--json',
      '--answers',
      demoAnswers,
      '--state-dir',
      stateDir,
    ]);
    expect(await served.exited).toBe(0);
    const [address, ...json] = served.stdout().split('\n');
    expect(address).toBe(served.url);
    const status = JSON.parse(json.join('\n'));
    expect(status.steps.find((s: { id: string }) => s.id === 'verify').status).toBe('done');
    expect(await readFile(join(stateDir, 'notebook.md'), 'utf8')).toContain('Subject failed verification');
  });

  it('Ctrl-C mid-run stops with 130 and leaves the step interrupted (resumable)', { timeout: 120_000 }, async () => {
    const stateDir = await tempDir('rr-ui-int-');
    const served = await serve([
      'ui',
      '--sandbox',
      '--no-open',
      '--yes',
      '--sandbox-latency',
      'demo',
      '--answers',
      demoAnswers,
      '--state-dir',
      stateDir,
    ]);
    const cookie = await signIn(served.url);
    await expect
      .poll(
        async () =>
          /data-step="key-vault" data-status="done"/.test(await (await fetch(`${served.origin}/`, { headers: { cookie } })).text()),
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toBe(true);
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(130);
    const ledger = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(Object.values(ledger.steps).map((s) => (s as { status: string }).status)).toContain('interrupted');
  });

  it('missing answers with --yes: the page says which, and the command exits 3', { timeout: 60_000 }, async () => {
    const stateDir = await tempDir('rr-ui-missing-');
    const served = await serve(['ui', '--sandbox', '--no-open', '--yes', '--state-dir', stateDir]);
    const cookie = await signIn(served.url);
    await expect
      .poll(
        async () =>
          /id="run-status"[^]*?answers are missing[^]*?missing aksName[^]*?<\/div>/.test(
            await (await fetch(`${served.origin}/`, { headers: { cookie } })).text(),
          ),
        {
          timeout: 30_000,
          interval: 200,
        },
      )
      .toBe(true);
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(3);
  });

  it('refuses bad usage before serving anything (exit 2)', async () => {
    const stateDir = await tempDir('rr-ui-usage-');
    const badPort = await runCli(['ui', '--sandbox', '--no-open', '--port', '70000', '--state-dir', stateDir]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port 70000');
    expect(badPort.stdout).toBe('');
    const badStep = await runCli(['ui', '--sandbox', '--no-open', '--from', 'nope', '--state-dir', stateDir]);
    expect(badStep.code).toBe(2);
    expect(badStep.stdout).toBe('');

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await runCli(['ui', '--sandbox', '--no-open', '--port', String(port), '--state-dir', stateDir]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
    } finally {
      taken.close();
    }
    const help = await runCli(['ui', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--exit-when-done');
  });
});
