import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const run = (stateDir: string, ...extra: string[]) =>
  runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...extra]);

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('full run on the sandbox (built binary)', () => {
  it('passes verify; a second run runs no mutating command; the token is nowhere on disk', async () => {
    const stateDir = await tempDir();
    const first = await run(stateDir, '--json');
    expect(first.stderr).toContain('SIMULATED');
    expect(first.code, first.stderr).toBe(0);
    const status = JSON.parse(first.stdout);
    const verify = status.steps.find((s: { id: string }) => s.id === 'verify');
    expect(verify.status).toBe('done');
    expect(verify.outputs.signedAdmitted).toBe('true');
    expect(verify.outputs.unsignedDenied).toBe('true');
    expect(verify.outputs.denialMessage).toMatch(/\[azurepolicy-ratifyverification-[0-9a-f]+\] Subject failed verification/);
    const notebook = await readFile(join(stateDir, 'notebook.md'), 'utf8');
    expect(notebook).toContain('SIMULATED');
    expect(notebook).toContain('notation sign');

    const before = (await readCalls(stateDir)).length;
    const second = await run(stateDir);
    expect(second.code, second.stderr).toBe(0);
    const again = (await readCalls(stateDir)).slice(before);
    expect(again.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' '))).toEqual([]);

    // The registry token (a JWT) never lands anywhere in the state dir: ledger, notebook,
    // logs, answers, the call log, nor the simulated world's own files.
    for (const file of await allFiles(stateDir)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      expect(text, file).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/);
    }
  });
});

describe('a command that never answers (sandbox hang fault)', () => {
  it('is killed after the (scaled) timeout, the step fails with exit 1, and the next run resumes', async () => {
    const stateDir = await tempDir();
    const hung = await run(stateDir, '--sandbox-fault', 'az keyvault certificate create=hang');
    expect(hung.code, hung.stderr).toBe(1);
    expect(hung.stderr).toContain('without an answer (timeout)');
    expect(hung.stderr).toContain('it resumes at "certificate"');
    const resumed = await run(stateDir);
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 120_000);
});
