/** `workshop export` through the built binary (files, stdout, refusals), and the job summary it wires in. */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderJobSummary, type StatusDocument } from '../../workshop/job-summary-render.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

/** A clone of ratify-runbook as far as the export looks: its package.json, and a workshop inside. */
async function hostRepository(attendees = ['alice', 'bob']): Promise<string> {
  const root = await tempDir('rr-gha-export-');
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'ratify-runbook', version: '0.0.0' }));
  await writeFile(join(root, 'roster.csv'), ['id', ...attendees, ''].join('\n'));
  const init = await runCli(['workshop', 'init', '--roster', 'roster.csv', '--out', 'ws'], { cwd: root });
  expect(init.code, init.stderr).toBe(0);
  return root;
}

const exportArgs = ['workshop', 'export', '--dir', 'ws', '--format', 'github-actions'];

describe('ratify-runbook workshop export (built binary)', () => {
  it('--help: usage on stdout, exit 0; listed in `workshop --help`', async () => {
    const help = await runCli(['workshop', 'export', '--help']);
    expect(help.code).toBe(0);
    const usage = 'Usage: ratify-runbook workshop export --dir DIR --format github-actions [--out DIR|-] [--concurrency N]';
    expect(help.stdout.split('\n')[0]).toBe(usage);
    const list = await runCli(['workshop', '--help']);
    expect(list.stdout).toMatch(/^ {2}export {5}Write GitHub Actions workflows/m);
  });

  it('writes both workflows to .github/workflows/, says what to commit; exporting again replaces them', async () => {
    const root = await hostRepository();
    const first = await runCli([...exportArgs, '--concurrency', '5'], { cwd: root });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('');
    expect((await readdir(join(root, '.github', 'workflows'))).sort()).toEqual(['ratify-workshop-teardown.yml', 'ratify-workshop.yml']);
    const files = '.github/workflows/ratify-workshop.yml .github/workflows/ratify-workshop-teardown.yml ws/workshop.yaml ws/*/answers.yaml';
    expect(first.stderr).toContain(`git add ${files}`);
    const run = parse(await readFile(join(root, '.github/workflows/ratify-workshop.yml'), 'utf8'));
    expect(run.jobs.attendee.strategy).toMatchObject({ 'max-parallel': 5, matrix: { attendee: ['alice', 'bob'] } });
    expect(run.env.RATIFY_WORKSHOP_DIR).toBe('ws');

    await writeFile(join(root, 'roster.csv'), 'id\nalice\nbob\ncarol\n');
    expect((await runCli(['workshop', 'init', '--roster', 'roster.csv', '--out', 'ws'], { cwd: root })).code).toBe(0);
    const again = await runCli(exportArgs, { cwd: root });
    expect(again.code, again.stderr).toBe(0);
    const teardown = parse(await readFile(join(root, '.github/workflows/ratify-workshop-teardown.yml'), 'utf8'));
    expect(teardown.jobs.teardown.strategy).toMatchObject({ 'max-parallel': 4, matrix: { attendee: ['alice', 'bob', 'carol'] } });
  });

  it('--out - prints the run workflow alone on stdout and writes nothing', async () => {
    const root = await hostRepository();
    const result = await runCli([...exportArgs, '--out', '-'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(parse(result.stdout).name).toBe('ratify-workshop');
    expect(result.stdout).not.toContain('ratify-workshop-teardown');
    expect(result.stderr).toBe('');
    expect(await readdir(root)).not.toContain('.github');
  });

  it('--out DIR elsewhere: written there, with a note that GitHub reads only .github/workflows/', async () => {
    const root = await hostRepository();
    const result = await runCli([...exportArgs, '--out', 'review'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(join(root, 'review'))).sort()).toEqual(['ratify-workshop-teardown.yml', 'ratify-workshop.yml']);
    expect(result.stderr).toMatch(/GitHub runs workflows only from \.github\/workflows\//);
  });

  it('never replaces a workflow it did not write: exit 2, neither file written', async () => {
    const root = await hostRepository();
    await mkdir(join(root, '.github', 'workflows'), { recursive: true });
    await writeFile(join(root, '.github/workflows/ratify-workshop-teardown.yml'), 'name: mine\n');
    const result = await runCli(exportArgs, { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ratify-workshop-teardown\.yml exists and was not written by `workshop export`: nothing was written/);
    expect(await readdir(join(root, '.github', 'workflows'))).toEqual(['ratify-workshop-teardown.yml']);
    expect(await readFile(join(root, '.github/workflows/ratify-workshop-teardown.yml'), 'utf8')).toBe('name: mine\n');
  });

  it('refuses (exit 2, nothing written): no or another --format, not a runbook clone, a dir outside it, no answers', async () => {
    const root = await hostRepository();
    const noFormat = await runCli(['workshop', 'export', '--dir', 'ws'], { cwd: root });
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/workshop export needs --format/);
    const gitlab = await runCli(['workshop', 'export', '--dir', 'ws', '--format', 'gitlab'], { cwd: root });
    expect(gitlab.code).toBe(2);
    expect(gitlab.stderr).toMatch(/--format gitlab: expected one of github-actions/);
    expect((await runCli([...exportArgs, '--concurrency', '0'], { cwd: root })).code).toBe(2);

    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'my-workshop' }));
    const notClone = await runCli(exportArgs, { cwd: root });
    expect(notClone.code).toBe(2);
    expect(notClone.stderr).toMatch(/not the root of a ratify-runbook repository[\s\S]*not published on npm/);

    const inside = join(root, 'inner');
    await mkdir(inside);
    await writeFile(join(inside, 'package.json'), JSON.stringify({ name: 'ratify-runbook' }));
    const outside = await runCli(['workshop', 'export', '--dir', '../ws', '--format', 'github-actions'], { cwd: inside });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/outside the repository/);

    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'ratify-runbook' }));
    await writeFile(join(root, 'ws', 'bob', 'answers.yaml.bak'), '');
    const { rm } = await import('node:fs/promises');
    await rm(join(root, 'ws', 'bob', 'answers.yaml'));
    const missing = await runCli(exportArgs, { cwd: root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/1 answers file\(s\) are missing[\s\S]*ws\/bob\/answers\.yaml/);
    expect(await readdir(root)).not.toContain('.github');
  });

  it('warns when the workshop dir also holds local runs (the kubeconfig must stay out of git)', async () => {
    const root = await hostRepository();
    await writeFile(join(root, 'ws', 'alice', 'state.json'), '{}');
    const result = await runCli(exportArgs, { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('ws also holds local runs (alice): commit only ws/workshop.yaml and ws/*/answers.yaml.');
    expect(result.stderr).toMatch(/kubeconfig holds cluster credentials: keep it out of git/);
  });
});

describe('the job summary', () => {
  const step = (id: string, status: string, extra: Partial<StatusDocument['steps'][number]> = {}) => ({
    id,
    status,
    attempts: status === 'pending' ? 0 : 1,
    startedAt: '2026-12-01T10:00:00Z',
    endedAt: '2026-12-01T10:01:05Z',
    outputs: {},
    error: null,
    ...extra,
  });

  it('a verified attendee: headline, the verify outcome, the step table', () => {
    const text = renderJobSummary({
      workflow: 'run',
      attendee: 'zoé',
      outcome: 'success',
      status: {
        target: { kind: 'sandbox' },
        runId: 'ab12cd34',
        steps: [
          step('preflight', 'done'),
          step('verify', 'done', {
            outputs: { signedAdmitted: 'true', unsignedDenied: 'true', denialMessage: 'Subject failed verification' },
          }),
        ],
      },
      artifact: 'ratify-runbook-run-zoé-attempt-1',
    });
    expect(text).toMatch(/^## ✅ zoé: verified\n\nRun `ab12cd34` against the sandbox \(simulated: nothing was created in Azure\)\./);
    expect(text).toContain('- unsigned image denied: **true**');
    expect(text).toContain('- denial: `Subject failed verification`');
    expect(text).toContain('| `verify` | ✅ done | 1 | 1m05s |  |');
    expect(text).toContain('artifact `ratify-runbook-run-zoé-attempt-1`');
  });

  it('a failed attendee: the failing step, its error (table-safe) and hints, how to resume', () => {
    const text = renderJobSummary({
      workflow: 'run',
      attendee: 'bob',
      outcome: 'failure',
      status: {
        target: { kind: 'azure', subscriptionId: '00000000-0000-0000-0000-000000000001' },
        runId: 'ff00ff00',
        steps: [
          step('key-vault', 'done'),
          step('certificate', 'failed', { error: 'Forbidden | <script>x</script>\nsecond line', hints: ['Wait for RBAC'] }),
          step('verify', 'pending'),
        ],
      },
    });
    expect(text).toMatch(/^## ❌ bob: stopped at `certificate` \(failed\)/);
    expect(text).toContain('> Forbidden \\| &lt;script>x&lt;/script>');
    expect(text).not.toContain('second line');
    expect(text).toContain('> → Wait for RBAC');
    expect(text).toContain('*Re-run failed jobs*: the runbook resumes at `certificate`');
    expect(text).toContain('against Azure subscription 00000000-0000-0000-0000-000000000001');
  });

  it('a run that stopped before any step, and a teardown', () => {
    const nothing = { target: null, runId: null, steps: [step('preflight', 'pending')] };
    const early = renderJobSummary({ workflow: 'run', attendee: 'al', outcome: 'failure', status: nothing });
    expect(early).toMatch(/## ❌ al: the runbook step ended with `failure`[\s\S]*No run recorded[\s\S]*The job log says why/);
    const down = renderJobSummary({
      workflow: 'teardown',
      attendee: 'al',
      outcome: 'success',
      status: { target: { kind: 'sandbox' }, runId: 'r1', steps: [] },
      teardown: { status: 'done', removed: ['a', 'b', 'c'] },
    });
    expect(down).toMatch(/^## ✅ al: torn down \(3 resource\(s\) removed\)/);
    const teardown = { status: 'failed', removed: [], error: 'ratify-install: helm failed' };
    const stuck = renderJobSummary({ workflow: 'teardown', attendee: 'al', outcome: 'failure', status: undefined, teardown });
    expect(stuck).toMatch(/## ❌ al: teardown failed[\s\S]*> ratify-install: helm failed[\s\S]*the teardown continues with what is left/);
  });
});
