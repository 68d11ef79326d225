/** The `workshop` command through the built binary, for what needs no sandbox: help, init, usage errors. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

describe('ratify-runbook workshop (built binary)', () => {
  it('--help for workshop and each subcommand, on stdout, exit 0', async () => {
    for (const sub of ['', 'init', 'run', 'status', 'teardown']) {
      const result = await runCli(['workshop', ...(sub ? [sub] : []), '--help']);
      expect(result.code, sub).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: ratify-runbook workshop ${sub || '<init'}`));
    }
  });

  it('init: every problem listed, exit 2, nothing written; then a clean init writes the answers', async () => {
    const root = await tempDir('rr-ws-cli-');
    await writeFile(join(root, 'bad.csv'), 'id,name\nalice,A\nalice,B\n../x,C\n');
    const bad = await runCli(['workshop', 'init', '--roster', 'bad.csv', '--out', 'ws'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/2 problems found; nothing was written/);
    expect(bad.stderr).toMatch(/bad.csv:3: duplicate attendee id "alice"/);
    expect(bad.stderr).toMatch(/bad.csv:4: attendee id "..\/x"/);
    expect(await readdir(root)).toEqual(['bad.csv']);

    await writeFile(join(root, 'roster.csv'), 'id,name\nalice,A\nbob,B\n');
    const good = await runCli(['workshop', 'init', '--roster', 'roster.csv', '--out', 'ws'], { cwd: root });
    expect(good.code, good.stderr).toBe(0);
    expect((await readdir(join(root, 'ws'))).sort()).toEqual(['alice', 'bob', 'workshop.yaml']);
    const status = await runCli(['workshop', 'status', '--dir', 'ws'], { cwd: root });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/alice .*not started/);
  });

  it('usage errors exit 2: unknown subcommand, missing --dir, bad --concurrency, no workshop dir', async () => {
    const root = await tempDir('rr-ws-cli-');
    expect((await runCli(['workshop', 'bogus'])).code).toBe(2);
    expect((await runCli(['workshop', 'run'])).code).toBe(2);
    expect((await runCli(['workshop', 'run', '--dir', root, '--concurrency', '0'])).code).toBe(2);
    const missing = await runCli(['workshop', 'status', '--dir', join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a workshop dir.*\n.*workshop init/);
  });
});
