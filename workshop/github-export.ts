/**
 * `workshop export --dir DIR --format github-actions [--out DIR|-] [--concurrency N]`: checks the
 * workshop dir and the repository it sits in, then writes the two workflows (or prints the run
 * workflow on stdout with `--out -`). Nothing is written when anything is wrong.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import { LEDGER_FILE } from '../checkpoints/ledger.js';
import { UsageError } from '../kernel/errors.js';
import { GENERATED_MARKER, MAX_MATRIX_JOBS, RUN_WORKFLOW_FILE, TEARDOWN_WORKFLOW_FILE, githubWorkflows } from './github-actions.js';
import { requireWorkshopFile } from './workshop-file.js';

export const DEFAULT_WORKFLOWS_DIR = join('.github', 'workflows');

export interface GithubExportOptions {
  /** --dir as given (relative to cwd). */
  readonly dir: string;
  /** --out: a folder, '-' for stdout, undefined for .github/workflows/ under cwd. */
  readonly out: string | undefined;
  readonly concurrency: number;
  /** The repository root: the workflows build the runbook found here. */
  readonly cwd: string;
}

export interface GithubExportResult {
  /** The run workflow, when --out -. */
  readonly stdout?: string;
  readonly written: readonly string[];
  readonly attendees: readonly string[];
  /** The workshop dir as the workflows name it (relative to the repository root). */
  readonly workshopDir: string;
  /** Worth telling the host, never fatal. */
  readonly notes: readonly string[];
}

export async function exportGithubActions(options: GithubExportOptions): Promise<GithubExportResult> {
  const root = resolve(options.cwd);
  const dir = resolve(root, options.dir);
  const file = await requireWorkshopFile(dir);
  await requireRunbookRepository(root);
  const workshopDir = repositoryPath(root, dir, options.dir);

  const attendees = file.attendees;
  if (attendees.length === 0) {
    throw new UsageError(`${options.dir} has no attendees.`, ['Add them to the roster and run `workshop init` again.']);
  }
  if (attendees.length > MAX_MATRIX_JOBS) {
    throw new UsageError(`${attendees.length} attendees: a GitHub Actions matrix runs at most ${MAX_MATRIX_JOBS} jobs.`, [
      `Split the roster into workshops of at most ${MAX_MATRIX_JOBS} attendees, each in its own repository.`,
    ]);
  }
  const missing: string[] = [];
  for (const id of attendees) {
    if (!(await exists(join(dir, id, 'answers.yaml')))) missing.push(join(options.dir, id, 'answers.yaml'));
  }
  if (missing.length > 0) {
    const what = `${missing.length} answers file(s) are missing`;
    throw new UsageError(`The workflows read each attendee's answers from the repository, but ${what}:`, [
      ...missing,
      `Run \`ratify-runbook workshop init --roster ... --out ${options.dir}\` again.`,
    ]);
  }

  const notes = await localStateNotes(dir, options.dir, attendees);
  const workflows = githubWorkflows({ workshopDir, attendees, maxParallel: options.concurrency });
  if (options.out === '-') return { stdout: workflows.run, written: [], attendees, workshopDir, notes };

  const outDir = resolve(root, options.out ?? DEFAULT_WORKFLOWS_DIR);
  if (outDir !== join(root, DEFAULT_WORKFLOWS_DIR)) {
    notes.push(`GitHub runs workflows only from ${DEFAULT_WORKFLOWS_DIR}/ at the repository root: move the files there to use them.`);
  }
  const targets = [
    { path: join(outDir, RUN_WORKFLOW_FILE), text: workflows.run },
    { path: join(outDir, TEARDOWN_WORKFLOW_FILE), text: workflows.teardown },
  ];
  // Both checked before either is written: a hand-written workflow of the same name is never replaced.
  for (const target of targets) {
    const current = await readFile(target.path, 'utf8').catch(() => undefined);
    if (current !== undefined && !current.startsWith(GENERATED_MARKER)) {
      throw new UsageError(`${target.path} exists and was not written by \`workshop export\`: nothing was written.`, [
        'Move it away (or choose another folder with --out), then export again.',
      ]);
    }
  }
  await mkdir(outDir, { recursive: true });
  for (const target of targets) await writeFileAtomic(target.path, target.text);
  return { written: targets.map((t) => t.path), attendees, workshopDir, notes };
}

/** The workflows run `npm ci && npm run build` in their checkout: it must be the runbook's own source. */
async function requireRunbookRepository(root: string): Promise<void> {
  let name: unknown;
  try {
    name = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name?: unknown }).name;
  } catch {
    name = undefined;
  }
  if (name !== 'ratify-runbook') {
    throw new UsageError(`${root} is not the root of a ratify-runbook repository (its package.json is not "ratify-runbook").`, [
      'The workflows install the runbook from the repository they live in (it is not published on npm):',
      'run `workshop export` at the root of your clone or fork of ratify-runbook, with the workshop dir inside it.',
    ]);
  }
}

/**
 * The workshop dir as the workflows name it: inside the repository, forward slashes, and only
 * characters that need no quoting in a path, a cache key or an expression.
 */
function repositoryPath(root: string, dir: string, given: string): string {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new UsageError(`The workshop dir ${given} is outside the repository ${root}: the workflows read the answers from there.`, [
      'Initialise the workshop inside the repository (e.g. `workshop init --out ws`), commit it, and export again.',
    ]);
  }
  const path = rel === '' ? '.' : rel.split(sep).join('/');
  if (!/^[A-Za-z0-9._/-]+$/.test(path)) {
    const allowed = 'letters, digits, ".", "_", "-" and "/"';
    throw new UsageError(`The workshop dir "${path}" has characters the workflows cannot use safely (only ${allowed}).`, [
      'Rename the folder, then export again.',
    ]);
  }
  return path;
}

/** Local rehearsals leave state next to the answers: only workshop.yaml and the answers files belong in git. */
async function localStateNotes(dir: string, given: string, attendees: readonly string[]): Promise<string[]> {
  const withState: string[] = [];
  for (const id of attendees) if (await exists(join(dir, id, LEDGER_FILE))) withState.push(id);
  if (withState.length === 0 && !(await exists(join(dir, 'sandbox')))) return [];
  const runs = withState.length ? withState.join(', ') : 'a sandbox world';
  return [
    `${given} also holds local runs (${runs}): commit only ${given}/workshop.yaml and ${given}/*/answers.yaml. ` +
      "A state dir's kubeconfig holds cluster credentials: keep it out of git.",
  ];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
