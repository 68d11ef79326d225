/**
 * Runs a GitHub Actions workflow's jobs on this machine, the way a hosted runner would as far as
 * the exported workflows reach: the matrix expanded (at most max-parallel jobs at once), `env:`
 * applied at workflow, job and step level with their expressions evaluated, step `if:`s honoured,
 * every `run:` script executed by bash with GitHub's flags in a fresh checkout, fresh HOME and
 * RUNNER_TEMP per job; what a script appends to $GITHUB_ENV (`NAME=value` lines) is in the env of
 * the job's later steps. The few `uses:` steps are emulated: checkout copies the repository,
 * setup-node checks the version (this machine's Node is the one asked for), azure/login is
 * replaced by nothing (the sandbox needs no sign-in), the cache actions save and restore folders
 * in a local store keyed like GitHub's (exact key, else the newest entry matching a restore-key
 * prefix, only among entries saved with the same path list), upload-artifact copies files.
 * Any other action fails the run: emulating it must be a deliberate change.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, type ExpressionContext, type Value } from './gha-expressions.js';

export interface WorkflowRunOptions {
  readonly workflowPath: string;
  /** The repository the jobs check out. */
  readonly repoDir: string;
  /** Where each job's machine lives: <runnerRoot>/<matrix values>/{work,temp,home}. */
  readonly runnerRoot: string;
  readonly cacheDir: string;
  readonly artifactsDir: string;
  readonly runId: number;
  readonly runAttempt: number;
  /** The commit the run is for (re-runs keep it). */
  readonly sha: string;
  readonly inputs?: Record<string, Value>;
  readonly vars?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  /** The runner's own environment (PATH, npm settings...), before GitHub's variables. */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** Caps each step (the workflow's timeout-minutes is far longer than a test wants). */
  readonly stepTimeoutMs?: number;
}

export interface StepResult {
  readonly name: string;
  readonly id?: string;
  readonly outcome: 'success' | 'failure' | 'skipped';
  readonly uses?: string;
  /** What an emulated action did (cache key matched, paths saved...). */
  readonly note?: string;
  readonly ms?: number;
}

export interface JobResult {
  readonly job: string;
  readonly matrix: Record<string, Value>;
  readonly result: 'success' | 'failure';
  readonly steps: readonly StepResult[];
  /** $GITHUB_STEP_SUMMARY at the end of the job. */
  readonly summary: string;
  /** Every step's output, in order. */
  readonly log: string;
}

export interface WorkflowRunResult {
  /** Every job run, in order (a job's matrix entries in matrix order). */
  readonly jobs: readonly JobResult[];
  /** The most jobs of one matrix that ran at the same time. */
  readonly peakParallel: number;
  /** Jobs not run because a job they need failed. */
  readonly skipped: readonly string[];
}

interface StepSpec {
  name?: string;
  id?: string;
  if?: string | boolean;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string | number | boolean>;
  shell?: string;
  'working-directory'?: string;
  'continue-on-error'?: boolean;
}

interface JobSpec {
  'runs-on': string;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, Value[]>; 'max-parallel'?: number; 'fail-fast'?: boolean };
  defaults?: { run?: { shell?: string } };
  steps: StepSpec[];
  needs?: string | string[];
  if?: unknown;
}

export async function runWorkflow(options: WorkflowRunOptions): Promise<WorkflowRunResult> {
  const workflow = parse(await readFile(options.workflowPath, 'utf8')) as { env?: Record<string, string>; jobs: Record<string, JobSpec> };
  const github = {
    run_id: String(options.runId),
    run_attempt: String(options.runAttempt),
    sha: options.sha,
    event_name: 'workflow_dispatch',
  };
  const top = { github, inputs: options.inputs ?? {}, vars: options.vars ?? {}, secrets: options.secrets ?? {} };
  const workflowEnv = evaluateEnv(workflow.env, { contexts: top, status: { failed: false, cancelled: false } });

  const jobs: JobResult[] = [];
  const skipped: string[] = [];
  const finished = new Map<string, boolean>();
  let peakParallel = 0;
  // Jobs one after another in `needs` order: enough for a build job followed by a matrix job.
  const pending = Object.entries(workflow.jobs);
  while (pending.length > 0) {
    const index = pending.findIndex(([, job]) => needsOf(job).every((n) => finished.has(n)));
    if (index < 0) throw new Error(`jobs with unknown or circular needs: ${pending.map(([id]) => id).join(', ')}`);
    const [jobId, job] = pending.splice(index, 1)[0]!;
    if (job.if !== undefined) throw new Error('job-level if is not emulated');
    if (job['runs-on'] !== 'ubuntu-latest') throw new Error(`runs-on ${job['runs-on']} is not emulated`);
    if (!needsOf(job).every((n) => finished.get(n))) {
      skipped.push(jobId);
      finished.set(jobId, false);
      continue;
    }
    const combos = expandMatrix(job.strategy?.matrix ?? {});
    const maxParallel = job.strategy?.['max-parallel'] ?? combos.length;
    let running = 0;
    let next = 0;
    const results: JobResult[] = new Array(combos.length);
    const worker = async () => {
      while (next < combos.length) {
        const at = next++;
        running++;
        peakParallel = Math.max(peakParallel, running);
        try {
          results[at] = await runJob(options, jobId, job, combos[at]!, top, workflowEnv);
        } finally {
          running--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, combos.length) }, worker));
    jobs.push(...results);
    finished.set(
      jobId,
      results.every((r) => r.result === 'success'),
    );
  }
  return { jobs, peakParallel, skipped };
}

function needsOf(job: JobSpec): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs.map(String) : [String(job.needs)];
}

function expandMatrix(matrix: Record<string, Value[]>): Record<string, Value>[] {
  let combos: Record<string, Value>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (!Array.isArray(values)) throw new Error(`matrix.${key}: only inline lists are emulated`);
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

function evaluateEnv(env: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) result[key] = interpolate(String(value), context);
  return result;
}

async function runJob(
  options: WorkflowRunOptions,
  jobId: string,
  job: JobSpec,
  matrix: Record<string, Value>,
  top: Record<string, Value>,
  workflowEnv: Record<string, string>,
): Promise<JobResult> {
  // A stable folder per matrix entry (a hosted runner's workspace path is the same for every job), wiped per job.
  const machine = join(options.runnerRoot, [jobId, ...Object.values(matrix).map(String)].join('-'));
  await rm(machine, { recursive: true, force: true });
  const workspace = join(machine, 'work', 'repo');
  const temp = join(machine, 'temp');
  const home = join(machine, 'home');
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(temp, { recursive: true }), mkdir(home, { recursive: true })]);
  const files = {
    summary: join(temp, 'step-summary.md'),
    path: join(temp, 'github-path'),
    env: join(temp, 'github-env'),
    output: join(temp, 'github-output'),
  };
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));

  const githubEnv: Record<string, string> = {
    HOME: home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: String(options.runId),
    GITHUB_RUN_ATTEMPT: String(options.runAttempt),
    GITHUB_SHA: options.sha,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REPOSITORY: 'workshop-host/ratify-runbook',
    GITHUB_REPOSITORY_ID: '700100200',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_PATH: files.path,
    GITHUB_ENV: files.env,
    GITHUB_OUTPUT: files.output,
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
  };
  const contexts: Record<string, Value> = { ...top, matrix, runner: { temp, os: 'Linux' }, steps: {} };
  const status = { failed: false, cancelled: false };
  const jobEnv = { ...workflowEnv, ...evaluateEnv(job.env, { contexts: { ...contexts, env: workflowEnv }, status }) };
  const stepsContext: Record<string, Value> = {};
  const results: StepResult[] = [];
  let log = '';

  for (const [index, spec] of job.steps.entries()) {
    const name = spec.name ?? spec.uses ?? `step ${index + 1}`;
    const context: ExpressionContext = { contexts: { ...contexts, env: jobEnv, steps: stepsContext }, status };
    if (!condition(spec.if, context)) {
      results.push({ name, id: spec.id, outcome: 'skipped', uses: spec.uses });
      if (spec.id) stepsContext[spec.id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
      continue;
    }
    const env = { ...jobEnv, ...evaluateEnv(spec.env, context) };
    const withInputs = Object.fromEntries(Object.entries(spec.with ?? {}).map(([k, v]) => [k, interpolate(String(v), context)]));
    let outcome: 'success' | 'failure';
    let note: string | undefined;
    let outputs: Record<string, string> = {};
    const started = Date.now();
    log += `\n::group::${name}\n`;
    try {
      if (spec.uses) {
        const done = await runAction(spec.uses, withInputs, { options, workspace, matrix });
        note = done.note;
        outputs = done.outputs ?? {};
        outcome = 'success';
        log += `${note}\n`;
      } else if (spec.run !== undefined) {
        const shell = spec.shell ?? job.defaults?.run?.shell;
        if (shell !== 'bash') throw new Error(`shell ${String(shell)} is not emulated`);
        const extraPath = (await readFile(files.path, 'utf8')).split('\n').filter(Boolean).reverse();
        const script = join(temp, `step-${index + 1}.sh`);
        await writeFile(script, spec.run);
        const processEnv: NodeJS.ProcessEnv = { ...options.baseEnv, ...githubEnv, ...env };
        processEnv.PATH = [...extraPath, options.baseEnv.PATH ?? ''].join(':');
        const cwd = spec['working-directory'] ? join(workspace, spec['working-directory']) : workspace;
        const result = await bash(script, cwd, processEnv, options.stepTimeoutMs ?? 600_000);
        log += result.output;
        // Like the runner: $GITHUB_ENV's lines become the environment of the steps after this one.
        Object.assign(jobEnv, envFileValues(await readFile(files.env, 'utf8')));
        outcome = result.code === 0 ? 'success' : 'failure';
        if (outcome === 'failure') log += `\n##[error]Process completed with exit code ${String(result.code)}.\n`;
      } else {
        throw new Error(`step "${name}" has neither uses nor run`);
      }
    } catch (error) {
      if (!(error instanceof ActionFailed)) throw error;
      outcome = 'failure';
      note = error.message;
      log += `##[error]${error.message}\n`;
    }
    // continue-on-error: the step's outcome is failure, its conclusion success, and the job goes on.
    const conclusion = outcome === 'failure' && spec['continue-on-error'] === true ? 'success' : outcome;
    if (conclusion === 'failure') status.failed = true;
    results.push({ name, id: spec.id, outcome, uses: spec.uses, note, ms: Date.now() - started });
    if (spec.id) stepsContext[spec.id] = { outcome, conclusion, outputs };
  }
  return {
    job: jobId,
    matrix,
    result: status.failed ? 'failure' : 'success',
    steps: results,
    summary: await readFile(files.summary, 'utf8'),
    log,
  };
}

/** `NAME=value` lines; the multi-line `NAME<<DELIMITER` form is not emulated (none of the workflows writes one). */
function envFileValues(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`$GITHUB_ENV line not emulated: ${line}`);
    values[match[1]!] = match[2]!;
  }
  return values;
}

/** An action that fails the step the way the real one would (not a bug in the emulator). */
class ActionFailed extends Error {}

interface ActionScope {
  readonly options: WorkflowRunOptions;
  readonly workspace: string;
  readonly matrix: Record<string, Value>;
}

interface ActionDone {
  readonly note: string;
  readonly outputs?: Record<string, string>;
}

async function runAction(uses: string, inputs: Record<string, string>, scope: ActionScope): Promise<ActionDone> {
  const [action] = uses.split('@');
  switch (action) {
    case 'actions/checkout':
      await cp(scope.options.repoDir, scope.workspace, { recursive: true, verbatimSymlinks: true });
      return { note: `checked out ${scope.options.repoDir}` };
    case 'actions/setup-node': {
      const wanted = inputs['node-version'] ?? '';
      if (!process.version.startsWith(`v${wanted}.`)) {
        throw new ActionFailed(`node-version ${wanted} asked, this runner has ${process.version}`);
      }
      return { note: `Node ${process.version} (npm's cache is the runner's own)` };
    }
    case 'azure/login':
      return { note: 'azure/login: replaced by nothing (the sandbox needs no sign-in)' };
    case 'actions/cache/restore':
      return restoreCache(inputs, scope);
    case 'actions/cache/save':
      return { note: await saveCache(inputs, scope) };
    case 'actions/upload-artifact':
      return { note: await uploadArtifact(inputs, scope) };
    default:
      throw new Error(`action ${uses} is not emulated`);
  }
}

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function checkPaths(paths: readonly string[]): void {
  for (const path of paths) {
    if (/[*?[\]{}]/.test(path) || path.startsWith('/') || path.startsWith('~')) {
      throw new Error(`cache path ${path}: only plain relative paths are emulated`);
    }
  }
}

export interface CacheEntry {
  readonly key: string;
  readonly paths: readonly string[];
  readonly seq: number;
  readonly dir: string;
}

export async function cacheEntries(cacheDir: string): Promise<CacheEntry[]> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const entries: CacheEntry[] = [];
  for (const name of names) {
    // An entry still being written has no meta.json yet: GitHub would not list it either.
    const text = await readFile(join(cacheDir, name, 'meta.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) entries.push({ ...(JSON.parse(text) as Omit<CacheEntry, 'dir'>), dir: join(cacheDir, name, 'files') });
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

async function restoreCache(inputs: Record<string, string>, scope: ActionScope): Promise<ActionDone> {
  const paths = lines(inputs.path);
  const key = inputs.key;
  if (!key || paths.length === 0) throw new ActionFailed('Input required and not supplied: path, key');
  checkPaths(paths);
  // GitHub's cache "version" is a hash of the path list: an entry saved with other paths never matches.
  const entries = (await cacheEntries(scope.options.cacheDir)).filter((e) => e.paths.join('\n') === paths.join('\n'));
  let match = entries.find((e) => e.key === key);
  if (!match) {
    for (const prefix of lines(inputs['restore-keys'])) {
      match = entries.filter((e) => e.key.startsWith(prefix)).at(-1);
      if (match) break;
    }
  }
  const keys = [key, ...lines(inputs['restore-keys'])].join(', ');
  if (!match) {
    if (inputs['fail-on-cache-miss'] === 'true') {
      throw new ActionFailed(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
    }
    return { note: `Cache not found for input keys: ${keys}`, outputs: { 'cache-hit': 'false' } };
  }
  const outputs = { 'cache-hit': String(match.key === key), 'cache-matched-key': match.key };
  if (inputs['lookup-only'] === 'true') return { note: `Cache found and can be restored from key: ${match.key}`, outputs };
  await cp(match.dir, scope.workspace, { recursive: true, verbatimSymlinks: true, force: true });
  return { note: `Cache restored from key: ${match.key}`, outputs };
}

async function saveCache(inputs: Record<string, string>, scope: ActionScope): Promise<string> {
  const paths = lines(inputs.path);
  const key = inputs.key;
  if (!key || paths.length === 0) throw new ActionFailed('Input required and not supplied: path, key');
  if (key.includes(',')) throw new ActionFailed(`Key Validation Error: ${key} cannot contain commas.`);
  checkPaths(paths);
  const existing = await cacheEntries(scope.options.cacheDir);
  if (existing.some((e) => e.key === key)) return `Failed to save: Unable to reserve cache with key ${key}, another job may create it.`;
  const includes = paths.filter((p) => !p.startsWith('!'));
  const excludes = paths.filter((p) => p.startsWith('!')).map((p) => join(scope.workspace, p.slice(1)));
  const present = [];
  for (const path of includes) if (await stat(join(scope.workspace, path)).catch(() => undefined)) present.push(path);
  if (present.length === 0) {
    return 'Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.';
  }
  // Jobs save at the same time: the entry's number is claimed by creating its folder (mkdir fails if taken).
  await mkdir(scope.options.cacheDir, { recursive: true });
  let seq = existing.length === 0 ? 1 : existing.at(-1)!.seq + 1;
  let entryDir = join(scope.options.cacheDir, String(seq).padStart(4, '0'));
  while (
    !(await mkdir(entryDir).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
    ))
  ) {
    seq++;
    entryDir = join(scope.options.cacheDir, String(seq).padStart(4, '0'));
  }
  for (const path of present) {
    await cp(join(scope.workspace, path), join(entryDir, 'files', path), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !excludes.some((ex) => source === ex || source.startsWith(`${ex}/`)),
    });
  }
  await writeFile(join(entryDir, 'meta.json'), JSON.stringify({ key, paths, seq }));
  return `Cache saved with key: ${key}`;
}

async function uploadArtifact(inputs: Record<string, string>, scope: ActionScope): Promise<string> {
  const name = inputs.name;
  if (!name || /["':<>|*?\\/\r\n]/.test(name)) throw new ActionFailed(`artifact name ${String(name)} is not valid`);
  const target = join(scope.options.artifactsDir, String(scope.options.runId), name);
  if (await stat(target).catch(() => undefined)) throw new ActionFailed(`an artifact named ${name} already exists in this run`);
  const hidden = inputs['include-hidden-files'] === 'true';
  let copied = 0;
  for (const path of lines(inputs.path)) {
    if (!hidden && path.split('/').some((part) => part.startsWith('.'))) continue;
    const source = join(scope.workspace, path);
    if (!(await stat(source).catch(() => undefined))) continue;
    await cp(source, join(target, path), { recursive: true });
    copied++;
  }
  if (copied === 0 && inputs['if-no-files-found'] !== 'ignore') {
    throw new ActionFailed(`No files were found with the provided path: ${inputs.path}`);
  }
  return `artifact ${name}: ${copied} path(s)`;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    const args = ['--noprofile', '--norc', '-eo', 'pipefail', script];
    const child = spawn('bash', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n##[error]The step exceeded ${timeoutMs} ms and was killed.\n`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
