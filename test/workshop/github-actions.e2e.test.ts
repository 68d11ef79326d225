/**
 * The exported GitHub Actions workflows, executed on this machine against the sandbox (see
 * test/helpers/gha-runner.ts for what is emulated and how). A host's repository is made from this
 * one's files plus a workshop of 3 attendees (`al` and `al-x` share a prefix, `zoé` has an accent),
 * then exported with --concurrency 2 and run as GitHub would:
 *   1. ratify-workshop.yml, run 1001 attempt 1: the first job installs and builds the runbook
 *      (npm ci, npm run build) and caches it; each attendee's job restores that build and brings its
 *      attendee to verify; the state and the simulated world are saved in the cache.
 *   2. the same run, attempt 2 ("Re-run all jobs"): the build is found, not redone; every attendee
 *      job restores the newest state by prefix and resumes; the call log gains reads only.
 *   3. ratify-workshop-teardown.yml, run 1002 (same commit): every job restores that state and
 *      tears down; the world then holds none of the attendees' resources. `al-x`'s saved state is
 *      dropped from the cache first (as GitHub evicts an entry unused for 7 days): its job finds only
 *      the world and sweeps by the run id it computes again, which its run was named with.
 * The sandbox is switched on the way a host would: the workflow_dispatch input `sandbox`, then the
 * repository variable RATIFY_RUNBOOK_SANDBOX. npm installs from this machine's npm cache
 * (what setup-node's `cache: npm` gives a real runner; the registry only for a miss). Needs `npm run build` first (npm test does it).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMutating, type Call } from '../helpers/call-log.js';
import { REPO, cleanEnv, runCli } from '../helpers/cli.js';
import { cacheEntries, runWorkflow, type CacheEntry, type JobResult, type WorkflowRunOptions } from '../helpers/gha-runner.js';
import { markedBy } from '../helpers/world-checks.js';
import { loadWorld } from '../../sandbox/world/store.js';

const ATTENDEES = ['al', 'al-x', 'zoé'];
/** Its saved state is lost before the teardown: its job sweeps by the run's mark. */
const LOST = 'al-x';
const SHA = 'c0ffee0000000000000000000000000000000001';
let root: string;
let repo: string;
let options: Omit<WorkflowRunOptions, 'workflowPath' | 'runId' | 'runAttempt'>;

/** The build job ran its install step (true) or found this commit's build in the cache (false). */
function built(jobs: readonly JobResult[]): boolean {
  const build = jobs.find((j) => j.job === 'runbook');
  expect(build?.result).toBe('success');
  return build!.steps.find((s) => s.name.startsWith('Install and build'))?.outcome === 'success';
}

function attendeeJobs(jobs: readonly JobResult[], id: string): JobResult[] {
  const matrix = jobs.filter((j) => j.job === id);
  expect(matrix.map((j) => j.matrix.attendee)).toEqual(ATTENDEES);
  return matrix;
}
const callsAfterFirst = new Map<string, number>();

async function makeHostRepository(target: string): Promise<void> {
  // What a clone holds: tracked and new (not ignored) files, never node_modules or dist.
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(REPO, file);
    const exists = await readFile(from).then(
      () => true,
      () => false,
    );
    if (!exists) continue; // deleted in the work tree, not yet committed
    await mkdir(dirname(join(target, file)), { recursive: true });
    await cp(from, join(target, file));
  }
}

function entriesOf(entries: CacheEntry[], kind: 'state' | 'world', attendee: string): CacheEntry[] {
  return entries.filter((e) => e.key.startsWith(`ratify-workshop/ws/sandbox/${kind}/${attendee}/`));
}

async function calls(entry: CacheEntry): Promise<Call[]> {
  const text = await readFile(join(entry.dir, '.ratify-runbook', 'sandbox', 'calls.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call);
}

/** A runner's environment: none of the npm settings of the `npm test` that runs this file (its prefix, its scripts). */
function runnerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(cleanEnv()).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
}

function failureReport(jobs: readonly JobResult[]): string {
  return jobs
    .filter((j) => j.result !== 'success')
    .map((j) => `${JSON.stringify(j.matrix)}: ${j.steps.map((s) => `${s.name}=${s.outcome}`).join(', ')}\n${j.log.slice(-4000)}`)
    .join('\n\n');
}

describe('workshop export --format github-actions, executed locally against the sandbox', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rr-gha-'));
    repo = join(root, 'host-repo');
    await makeHostRepository(repo);
    await writeFile(join(root, 'roster.csv'), ['id,name', ...ATTENDEES.map((id) => `${id},Attendee ${id}`), ''].join('\n'));
    const init = await runCli(['workshop', 'init', '--roster', join(root, 'roster.csv'), '--out', 'ws'], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    const exported = await runCli(['workshop', 'export', '--dir', 'ws', '--format', 'github-actions', '--concurrency', '2'], { cwd: repo });
    expect(exported.code, exported.stderr).toBe(0);
    options = {
      repoDir: repo,
      runnerRoot: join(root, 'runners'),
      cacheDir: join(root, 'actions-cache'),
      artifactsDir: join(root, 'artifacts'),
      baseEnv: {
        ...runnerEnv(),
        // setup-node's `cache: npm` on a real runner; here: this machine's npm cache, and the registry only for what it lacks.
        npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
        // The runner image's npm settings (the job's HOME is a fresh one), and node-gyp building node-pty
        // (no prebuilt binary for linux-x64) against this Node's own headers: nothing may download them here.
        npm_config_userconfig: join(homedir(), '.npmrc'),
        npm_config_nodedir: dirname(dirname(process.execPath)),
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      },
      stepTimeoutMs: 300_000,
      sha: SHA,
    };
  }, 120_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('run 1001, attempt 1: 3 attendees, 2 at a time, each brought to verify; state and world cached', { timeout: 900_000 }, async () => {
    const workflowPath = join(repo, '.github/workflows/ratify-workshop.yml');
    const run = await runWorkflow({ ...options, workflowPath, runId: 1001, runAttempt: 1, inputs: { sandbox: true } });
    expect(
      run.jobs.map((j) => j.result),
      failureReport(run.jobs),
    ).toEqual(['success', 'success', 'success', 'success']);
    expect(built(run.jobs)).toBe(true);
    expect(run.peakParallel).toBe(2);
    const jobs = attendeeJobs(run.jobs, 'attendee');
    const entries = await cacheEntries(options.cacheDir);
    for (const [index, attendee] of ATTENDEES.entries()) {
      const job = jobs[index]!;
      // The sandbox needs no sign-in and no Notation download: both skipped, the runbook ran.
      expect(job.steps.find((s) => s.uses?.startsWith('azure/login'))?.outcome).toBe('skipped');
      expect(job.steps.find((s) => s.name.startsWith('Install Notation'))?.outcome).toBe('skipped');
      expect(job.steps.find((s) => s.id === 'install')?.outcome).toBe('success');
      expect(job.steps.find((s) => s.name.startsWith("Restore the attendee's state"))?.note).toMatch(/Cache not found/);
      expect(job.summary).toContain(`## ✅ ${attendee}: verified`);
      expect(job.summary).toContain('unsigned image denied: **true**');
      expect(job.summary).toMatch(/\| `verify` \| ✅ done \| 1 \|/);

      const [state] = entriesOf(entries, 'state', attendee);
      const [world] = entriesOf(entries, 'world', attendee);
      expect(state?.key).toBe(`ratify-workshop/ws/sandbox/state/${attendee}/1001-1`);
      expect(world?.key).toBe(`ratify-workshop/ws/sandbox/world/${attendee}/1001-1`);
      const ledger = JSON.parse(await readFile(join(state!.dir, '.ratify-runbook', 'state.json'), 'utf8'));
      expect(ledger.target).toEqual({ kind: 'sandbox' });
      expect(ledger.steps.verify.status).toBe('done');
      expect(ledger.steps.verify.outputs.unsignedDenied).toBe('true');
      // The state cache leaves the world (its own entry) and the lock out; the world leaves its owner files out.
      await expect(readFile(join(state!.dir, '.ratify-runbook', 'sandbox', 'world.json'))).rejects.toThrow();
      await expect(readFile(join(world!.dir, '.ratify-runbook', 'sandbox', 'owner.lock'))).rejects.toThrow();
      const made = await calls(world!);
      expect(made.filter((c) => isMutating(c.argv)).length).toBeGreaterThan(10);
      callsAfterFirst.set(attendee, made.length);
    }
  });

  it('the same run, attempt 2: each job restores its newest state by prefix, resumes, no mutating call', { timeout: 900_000 }, async () => {
    const workflowPath = join(repo, '.github/workflows/ratify-workshop.yml');
    const run = await runWorkflow({ ...options, workflowPath, runId: 1001, runAttempt: 2, inputs: { sandbox: true } });
    expect(
      run.jobs.map((j) => j.result),
      failureReport(run.jobs),
    ).toEqual(['success', 'success', 'success', 'success']);
    expect(built(run.jobs), 'the same commit is built once').toBe(false);
    const jobs = attendeeJobs(run.jobs, 'attendee');
    const entries = await cacheEntries(options.cacheDir);
    for (const [index, attendee] of ATTENDEES.entries()) {
      const job = jobs[index]!;
      const restores = job.steps.filter((s) => s.name.startsWith("Restore the attendee's"));
      expect(restores.map((s) => s.note)).toEqual([
        `Cache restored from key: ratify-workshop/ws/sandbox/state/${attendee}/1001-1`,
        `Cache restored from key: ratify-workshop/ws/sandbox/world/${attendee}/1001-1`,
      ]);
      expect(job.log).toMatch(/Resuming run \w+/);
      expect(job.summary).toContain(`## ✅ ${attendee}: verified`);

      const world = entriesOf(entries, 'world', attendee).at(-1)!;
      expect(world.key).toBe(`ratify-workshop/ws/sandbox/world/${attendee}/1001-2`);
      const all = await calls(world);
      const resumed = all.slice(callsAfterFirst.get(attendee));
      expect(resumed.length, 'the resume still reads the world (preflight)').toBeGreaterThan(0);
      expect(resumed.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' '))).toEqual([]);
    }
  });

  it("the teardown workflow, run 1002: restores each attendee's state, removes all the runs created", { timeout: 900_000 }, async () => {
    const names: string[] = [];
    for (const attendee of ATTENDEES) {
      const answers = await readFile(join(repo, 'ws', attendee, 'answers.yaml'), 'utf8');
      for (const key of ['resourceGroup', 'acrName', 'keyVaultName', 'aksName']) {
        const value = new RegExp(`^${key}: (.+)$`, 'm').exec(answers)?.[1];
        expect(value, `${attendee} ${key}`).toBeDefined();
        names.push(value!.replace(/^"|"$/g, '').toLowerCase());
      }
    }
    const before = await cacheEntries(options.cacheDir);
    const runIds = new Map<string, string>();
    for (const attendee of ATTENDEES) {
      const newest = entriesOf(before, 'world', attendee).at(-1)!;
      const world = (await readFile(join(newest.dir, '.ratify-runbook', 'sandbox', 'world.json'), 'utf8')).toLowerCase();
      expect(world, 'the resources exist before the teardown').toContain(names[ATTENDEES.indexOf(attendee) * 4]);
      const state = entriesOf(before, 'state', attendee).at(-1)!;
      const { runId } = JSON.parse(await readFile(join(state.dir, '.ratify-runbook', 'state.json'), 'utf8')) as { runId: string };
      // The run job named the run (not a random id): the teardown computes the same name.
      expect(runId).toMatch(/^ws-[0-9a-f]{16}$/);
      expect(markedBy(loadWorld(join(newest.dir, '.ratify-runbook', 'sandbox'))!, runId).length, attendee).toBeGreaterThan(5);
      runIds.set(attendee, runId);
    }
    expect(new Set(runIds.values()).size).toBe(ATTENDEES.length);
    // GitHub evicted LOST's saved states (its world, the cloud, stays).
    for (const entry of entriesOf(before, 'state', LOST)) await rm(dirname(entry.dir), { recursive: true, force: true });
    expect(entriesOf(await cacheEntries(options.cacheDir), 'state', LOST)).toEqual([]);

    // This time the repository variable turns the sandbox on, as a rehearsal repository would.
    const run = await runWorkflow({
      ...options,
      workflowPath: join(repo, '.github/workflows/ratify-workshop-teardown.yml'),
      runId: 1002,
      runAttempt: 1,
      inputs: { sandbox: false },
      vars: { RATIFY_RUNBOOK_SANDBOX: 'true' },
    });
    expect(
      run.jobs.map((j) => j.result),
      failureReport(run.jobs),
    ).toEqual(['success', 'success', 'success', 'success']);
    expect(built(run.jobs)).toBe(false);
    const jobs = attendeeJobs(run.jobs, 'teardown');
    const entries = await cacheEntries(options.cacheDir);
    for (const [index, attendee] of ATTENDEES.entries()) {
      const job = jobs[index]!;
      const restored = job.steps.find((s) => s.name.startsWith("Restore the attendee's state"))?.note;
      const state = entriesOf(entries, 'state', attendee).at(-1)!;
      expect(state.key).toBe(`ratify-workshop/ws/sandbox/state/${attendee}/1002-1`);
      const mark = `ratify-runbook-run=${runIds.get(attendee)}`;
      const world = entriesOf(entries, 'world', attendee).at(-1)!;
      expect(markedBy(loadWorld(join(world.dir, '.ratify-runbook', 'sandbox'))!, runIds.get(attendee)!), attendee).toEqual([]);
      if (attendee === LOST) {
        expect(restored).toMatch(/Cache not found/);
        expect(job.log).toContain(`::warning title=No saved state for ${LOST}::Sweeping what carries ${mark} instead.`);
        expect(job.log).toMatch(new RegExp(`✔ Swept \\d+ resource\\(s\\) carrying ${mark}; nothing carries it now`));
        expect(job.summary).toContain(`## ✅ ${LOST}: swept (no saved state: what carried \`${mark}\` was removed)`);
        // The sweep wrote no ledger: the state saved after it holds the answers, not a pretend run.
        await expect(readFile(join(state.dir, '.ratify-runbook', 'state.json'))).rejects.toThrow();
      } else {
        expect(restored).toBe(`Cache restored from key: ratify-workshop/ws/sandbox/state/${attendee}/1001-2`);
        expect(job.log).not.toMatch(/No saved state/);
        expect(job.summary).toMatch(new RegExp(`## ✅ ${attendee}: torn down \\(\\d+ resource\\(s\\) removed\\)`));
        const ledger = JSON.parse(await readFile(join(state.dir, '.ratify-runbook', 'state.json'), 'utf8'));
        expect(ledger.teardown.status).toBe('done');
      }
      const live = JSON.parse(await readFile(join(world.dir, '.ratify-runbook', 'sandbox', 'world.json'), 'utf8'));
      const { arm, vaults, deletedVaults, registries, clusters } = live;
      const text = JSON.stringify({ arm, vaults, deletedVaults, registries, clusters }).toLowerCase();
      for (const name of names.slice(index * 4, index * 4 + 4)) expect(text, name).not.toContain(name);
    }
  });
});
