import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { questionFor } from '../../prompts/questions.js';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { keys, spawnPty } from '../helpers/pty.js';

/**
 * A person at a terminal: the answers file lacks the cluster name, so it is asked; the
 * guided gate is answered "Run all remaining"; an injected failure stops the run at the
 * certificate; a second run resumes there and finishes.
 */
describe('guided run in a real pseudo-terminal', () => {
  it('asks, fails at an injected step failure, and a second run resumes', async () => {
    const dir = await tempDir();
    const stateDir = join(dir, 'state');
    const demo = await readFile(join(REPO, 'templates/answers/demo.yaml'), 'utf8');
    const answers = join(dir, 'answers.yaml');
    await writeFile(answers, demo.replace(/^aksName:.*\n/m, ''));

    const first = await spawnPty([
      'run',
      '--sandbox',
      '--answers',
      answers,
      '--state-dir',
      stateDir,
      '--sandbox-fault',
      'az keyvault certificate create=permanent',
    ]);
    let at = await first.waitFor(/Use these answers\?/);
    first.write(keys.enter); // accept the table; only the missing answer is asked next
    at = await first.waitFor(new RegExp(questionFor('aksName').message), 30_000, at);
    first.write(`myAKSCluster${keys.enter}`);
    at = await first.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    // The explanation is rendered: bold and code styled, no Markdown marker on the screen.
    expect(first.text()).toMatch(/checks it: az \(>= 2\.61, where new Key Vaults default to Azure RBAC\[1\]\)/);
    expect(first.text()).toContain('[1] docs/errata.md#key-vault-access-model');
    expect(first.raw()).toContain('\u001b[1maz\u001b[22m');
    first.write(`${keys.down}${keys.down}${keys.enter}`); // Run all remaining steps without asking
    expect(await first.exited).toBe(1);
    const screen1 = first.text();
    expect(screen1).not.toContain('**');
    expect(screen1).toContain('SIMULATED');
    expect(screen1).toMatch(/resumes at "certificate"/);

    const ledger1 = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(ledger1.steps.certificate.status).toBe('failed');
    expect(ledger1.steps['key-vault'].status).toBe('done');
    const saved = await readFile(join(stateDir, 'answers.yaml'), 'utf8');
    expect(saved).toContain('aksName: myAKSCluster');
    const callsBefore = (await readCalls(stateDir)).length;

    const second = await spawnPty(['run', '--sandbox', '--state-dir', stateDir]);
    at = await second.waitFor(/Use these answers\?/);
    second.write(keys.enter);
    // Preflight is read-only and asked every time; the steps done before are not asked again.
    at = await second.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    second.write(keys.enter);
    at = await second.waitFor(/Why now: resuming \(failed\)/, 30_000, at);
    await second.waitFor(/Run "Create the signing certificate"\?/, 30_000, at);
    second.write(`${keys.down}${keys.down}${keys.enter}`);
    expect(await second.exited).toBe(0);
    expect(second.text()).toContain('All steps done');

    const resumed = (await readCalls(stateDir)).slice(callsBefore);
    const earlier = new Set(['preflight', 'cleanup-image-integrity', 'cluster-prereqs', 'key-vault', 'signer-access']);
    expect(resumed.filter((c) => earlier.has(c.step) && isMutating(c.argv))).toEqual([]);
    expect(resumed.some((c) => c.step === 'certificate' && c.argv.slice(0, 4).join(' ') === 'az keyvault certificate create')).toBe(true);
  });
});

describe('NO_COLOR at a terminal', () => {
  it('explanations print as plain text: no escape code, no Markdown marker', async () => {
    const dir = await tempDir();
    const args = ['run', '--sandbox', '--answers', join(REPO, 'templates/answers/demo.yaml'), '--state-dir', join(dir, 'state')];
    const session = await spawnPty(args, { env: { NO_COLOR: '1' } });
    let at = await session.waitFor(/Use these answers\?/);
    session.write(keys.enter);
    at = await session.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    const raw = session.raw();
    const explanation = raw.slice(raw.lastIndexOf('── Check tools, login, rights and cluster'), raw.lastIndexOf('Why now:'));
    expect(explanation).toContain('checks it: az (>= 2.61');
    expect(explanation).not.toContain('\u001b[');
    expect(explanation).not.toMatch(/\*\*|`/);
    session.write(`${keys.down}${keys.down}${keys.down}${keys.enter}`); // Quit
    expect(await session.exited).toBe(0);
    expect(session.text().slice(at)).toContain('Stopped at your request');
  });
});

describe('a step asks a question under the live renderer (pty)', () => {
  it('stale signature by an older certificate version: asked, removed on "y", verify passes', async () => {
    const dir = await tempDir();
    const stateDir = join(dir, 'state');
    const { runCli } = await import('../helpers/cli.js');
    const first = await runCli([
      'run',
      '--sandbox',
      '--non-interactive',
      '--answers',
      join(REPO, 'templates/answers/demo.yaml'),
      '--state-dir',
      stateDir,
    ]);
    expect(first.code, first.stderr).toBe(0);
    // A new certificate version: the image's signature is now by "another" certificate.
    const renewed = await runCli([
      'sandbox',
      'exec',
      '--state-dir',
      stateDir,
      '--',
      'az',
      'keyvault',
      'certificate',
      'create',
      '-n',
      'ratify',
      '--vault-name',
      'ratify-demo-kv',
      '-p',
      `@${join(stateDir, 'certificate-policy.json')}`,
      '-o',
      'none',
    ]);
    expect(renewed.code, renewed.stderr).toBe(0);

    const session = await spawnPty(['run', '--sandbox', '--state-dir', stateDir, '--from', 'certificate']);
    let at = await session.waitFor(/Use these answers\?/);
    session.write(keys.enter);
    at = await session.waitFor(/Run "Check tools, login, rights and cluster"\?/, 30_000, at);
    session.write(keys.enter);
    at = await session.waitFor(/Run "Create the signing certificate"\?/, 30_000, at);
    session.write(`${keys.down}${keys.down}${keys.enter}`);
    at = await session.waitFor(/Remove 1 signature\(s\) made by other certificates from net-monitor\?/, 30_000, at);
    session.write(`y${keys.enter}`);
    expect(await session.exited).toBe(0);
    expect(session.text().slice(at)).toContain('All steps done');
    const ledger = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(ledger.steps.verify.outputs.signedAdmitted).toBe('true');
  });
});
