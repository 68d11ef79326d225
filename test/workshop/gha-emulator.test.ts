/**
 * The local GitHub Actions emulator the export's end-to-end test relies on: its expressions, its
 * step conditions and its cache must behave like GitHub's, or that test proves nothing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate, type ExpressionContext } from '../helpers/gha-expressions.js';
import { cacheEntries, runWorkflow } from '../helpers/gha-runner.js';
import { cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const ctx = (contexts: ExpressionContext['contexts'], failed = false): ExpressionContext => ({
  contexts,
  status: { failed, cancelled: false },
});

describe('expressions', () => {
  it('property paths, && / || yielding an operand, case-insensitive strings, missing properties as null', () => {
    const c = ctx({ matrix: { attendee: 'zoé' }, inputs: { sandbox: false }, vars: { RATIFY_RUNBOOK_SANDBOX: 'TRUE' } });
    expect(evaluate('matrix.attendee', c)).toBe('zoé');
    expect(evaluate("(inputs.sandbox || vars.RATIFY_RUNBOOK_SANDBOX == 'true') && 'true' || 'false'", c)).toBe('true');
    expect(evaluate("inputs.sandbox && 'yes' || 'no'", c)).toBe('no');
    expect(evaluate('vars.NOPE', c)).toBeNull();
    expect(evaluate("vars.nope || 'fallback'", c)).toBe('fallback');
    expect(evaluate("'it''s'", c)).toBe("it's");
    expect(evaluate("!inputs.sandbox && 1 == '1'", c)).toBe(true);
    expect(interpolate('k/${{ matrix.attendee }}/${{ vars.NOPE }}-x', c)).toBe('k/zoé/-x');
    expect(() => evaluate("contains('a', 'b')", c)).toThrow(/not emulated/);
  });

  it('step conditions: success() implied, always() runs after a failure, failure() only after one', () => {
    const steps = { steps: { install: { outcome: 'success' } }, env: { RATIFY_WORKSHOP_TARGET: 'sandbox' } };
    expect(condition(undefined, ctx(steps))).toBe(true);
    expect(condition(undefined, ctx(steps, true))).toBe(false);
    expect(condition("env.RATIFY_WORKSHOP_TARGET != 'sandbox'", ctx(steps))).toBe(false);
    expect(condition("env.RATIFY_WORKSHOP_TARGET == 'sandbox'", ctx(steps, true))).toBe(false);
    expect(condition("always() && steps.install.outcome == 'success'", ctx(steps, true))).toBe(true);
    expect(condition('${{ failure() }}', ctx(steps))).toBe(false);
    expect(condition('${{ failure() }}', ctx(steps, true))).toBe(true);
  });
});

function machine(root: string) {
  const where = { runnerRoot: join(root, 'runners'), cacheDir: join(root, 'cache'), artifactsDir: join(root, 'art') };
  return { ...where, baseEnv: cleanEnv(), sha: 'x' };
}

describe('a workflow run', () => {
  it('cache: exact key, else the newest entry of the first matching prefix, same paths only; always() saves after a failure', async () => {
    const root = await tempDir('rr-gha-emu-');
    const repo = join(root, 'repo');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(repo);
    const workflow = join(root, 'wf.yml');
    await writeFile(
      workflow,
      `on: workflow_dispatch
env:
  FAIL_AT: \${{ vars.FAIL_AT }}
jobs:
  one:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        who: [a, a-b]
    env:
      WHO: \${{ matrix.who }}
    defaults:
      run:
        shell: bash
    steps:
      - uses: actions/checkout@v7
      - id: restore
        uses: actions/cache/restore@v5
        with:
          path: |
            state
            !state/skip
          key: k/\${{ matrix.who }}/\${{ github.run_id }}-\${{ github.run_attempt }}
          restore-keys: k/\${{ matrix.who }}/
      - run: |
          mkdir -p state/skip
          echo "$WHO $GITHUB_RUN_ATTEMPT" >> state/log
          echo secret > state/skip/x
          if [ "$FAIL_AT" = "$WHO" ]; then exit 3; fi
      - if: always()
        uses: actions/cache/save@v5
        with:
          path: |
            state
            !state/skip
          key: k/\${{ matrix.who }}/\${{ github.run_id }}-\${{ github.run_attempt }}
      - id: never
        run: echo "$WHO done" >> "$GITHUB_STEP_SUMMARY"
      - id: report
        if: always()
        continue-on-error: true
        run: exit 4
`,
    );
    const base = { workflowPath: workflow, repoDir: repo, ...machine(root) };

    const first = await runWorkflow({ ...base, runId: 7, runAttempt: 1, vars: { FAIL_AT: 'a' } });
    expect(first.jobs.map((j) => j.result)).toEqual(['failure', 'success']);
    expect(first.peakParallel).toBe(1);
    expect(first.jobs[0]!.steps.map((s) => s.outcome)).toEqual(['success', 'success', 'failure', 'success', 'skipped', 'failure']);
    // A failing step with continue-on-error does not fail the job.
    expect(first.jobs[1]!.steps.at(-1)!.outcome).toBe('failure');
    expect(first.jobs[1]!.summary).toBe('a-b done\n');

    const second = await runWorkflow({ ...base, runId: 7, runAttempt: 2 });
    expect(second.jobs.map((j) => j.result)).toEqual(['success', 'success']);
    // "a" restores its own entry, not "a-b"'s (whose key also starts with "k/a").
    expect(second.jobs.map((j) => j.steps[1]!.note)).toEqual(['Cache restored from key: k/a/7-1', 'Cache restored from key: k/a-b/7-1']);
    const entries = await cacheEntries(base.cacheDir);
    expect(entries.map((e) => e.key)).toEqual(['k/a/7-1', 'k/a-b/7-1', 'k/a/7-2', 'k/a-b/7-2']);
    const newest = entries.find((e) => e.key === 'k/a/7-2')!;
    expect(await readFile(join(newest.dir, 'state', 'log'), 'utf8')).toBe('a 1\na 2\n');
    await expect(readFile(join(newest.dir, 'state', 'skip', 'x'))).rejects.toThrow();

    // Saved with other paths, an entry is another cache "version": never restored.
    await writeFile(workflow, (await readFile(workflow, 'utf8')).replaceAll('            !state/skip\n', ''));
    const other = await runWorkflow({ ...base, runId: 8, runAttempt: 1 });
    expect(other.jobs[0]!.steps[1]!.note).toMatch(/^Cache not found for input keys: k\/a\/8-1, k\/a\//);
  });

  it('jobs saving at the same moment each get an entry of their own', async () => {
    const root = await tempDir('rr-gha-emu-');
    const workflow = join(root, 'wf.yml');
    await writeFile(
      workflow,
      `on: workflow_dispatch
jobs:
  many:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3, 4, 5, 6]
    env:
      N: \${{ matrix.n }}
    defaults:
      run:
        shell: bash
    steps:
      - run: mkdir -p out && echo "$N" > out/n
      - uses: actions/cache/save@v5
        with:
          path: out
          key: k/\${{ matrix.n }}/
`,
    );
    const run = await runWorkflow({ workflowPath: workflow, repoDir: root, ...machine(root), runId: 1, runAttempt: 1 });
    expect(run.peakParallel).toBe(6);
    const entries = await cacheEntries(join(root, 'cache'));
    expect(entries.map((e) => e.key).sort()).toEqual(['k/1/', 'k/2/', 'k/3/', 'k/4/', 'k/5/', 'k/6/']);
    for (const entry of entries) expect(await readFile(join(entry.dir, 'out', 'n'), 'utf8')).toBe(`${entry.key.split('/')[1]}\n`);
  });

  it("$GITHUB_ENV: a step's NAME=value lines are the env (and env context) of the job's later steps only", async () => {
    const root = await tempDir('rr-gha-emu-');
    const workflow = join(root, 'wf.yml');
    await writeFile(
      workflow,
      `on: workflow_dispatch
jobs:
  x:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: bash
    steps:
      - run: echo "before=\${NAMED:-unset}" >> "$GITHUB_STEP_SUMMARY"
      - run: echo "NAMED=ws-$GITHUB_REPOSITORY_ID" >> "$GITHUB_ENV"
      - if: env.NAMED != ''
        run: echo "after=$NAMED" >> "$GITHUB_STEP_SUMMARY"
`,
    );
    const run = await runWorkflow({ workflowPath: workflow, repoDir: root, ...machine(root), runId: 1, runAttempt: 1 });
    expect(run.jobs[0]!.steps.map((s) => s.outcome)).toEqual(['success', 'success', 'success']);
    expect(run.jobs[0]!.summary).toBe('before=unset\nafter=ws-700100200\n');
  });

  it('an action it does not emulate stops the run', async () => {
    const root = await tempDir('rr-gha-emu-');
    const workflow = join(root, 'wf.yml');
    await writeFile(workflow, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/github-script@v8\n');
    const run = runWorkflow({ workflowPath: workflow, repoDir: root, ...machine(root), runId: 1, runAttempt: 1 });
    await expect(run).rejects.toThrow(/actions\/github-script@v8 is not emulated/);
  });
});
