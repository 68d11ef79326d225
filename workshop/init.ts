/**
 * `workshop init`: roster + template -> DIR/workshop.yaml and DIR/<id>/answers.yaml.
 * Everything is checked first (roster, template, every rendered answer, collisions); on any
 * problem nothing is written and every problem is listed (exit 2). Files are written atomically,
 * workshop.yaml first, so a suffix is saved before any answers file uses it.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import { LEDGER_FILE } from '../checkpoints/ledger.js';
import { questions } from '../prompts/questions.js';
import { validateSubscriptionId } from '../prompts/validators.js';
import { UsageError } from '../kernel/errors.js';
import { findCollisions } from './collisions.js';
import { readDefaultTemplate } from './default-template.js';
import { drawSuffix } from './helpers.js';
import { loadTemplate, renderAttendee, type RenderedAttendee, type TemplateText } from './render.js';
import { readRoster } from './roster.js';
import { WORKSHOP_VERSION, readWorkshopFile, writeWorkshopFile, type WorkshopFile } from './workshop-file.js';

export interface InitOptions {
  readonly rosterPath: string;
  readonly templatePath?: string | undefined;
  readonly outDir: string;
  /** --subscription or RATIFY_RUNBOOK_SUBSCRIPTION_ID; never asked of az at init. */
  readonly hostSubscription?: string | undefined;
  readonly now: Date;
  /** Injected in tests to make suffixes predictable; defaults to crypto randomness. */
  readonly drawSuffix?: () => string;
  /** Overrides the shipped default template (tests). */
  readonly defaultTemplate?: TemplateText;
}

export interface InitResult {
  readonly attendees: readonly RenderedAttendee[];
  readonly written: readonly string[];
  /** Worth telling the host, never fatal. */
  readonly notes: readonly string[];
}

export async function initWorkshop(options: InitOptions): Promise<InitResult> {
  const outDir = resolve(options.outDir);
  const problems: string[] = [];
  const notes: string[] = [];

  const { roster, problems: rosterProblems } = await readRoster(options.rosterPath);
  problems.push(...rosterProblems);

  const base = options.defaultTemplate ?? (await readDefaultTemplate());
  const partial =
    options.templatePath === undefined
      ? undefined
      : { text: await readText(options.templatePath, 'template'), origin: options.templatePath };
  const template = loadTemplate(base, partial, roster.columns);
  problems.push(...template.problems);

  const previous = await readWorkshopFile(outDir);
  const hostSubscription = (options.hostSubscription ?? previous?.hostSubscription ?? '').trim();
  if (hostSubscription) {
    const invalid = validateSubscriptionId(hostSubscription);
    if (invalid) problems.push(`--subscription ${JSON.stringify(hostSubscription)} ${invalid}`);
  }
  if (previous?.hostSubscription && options.hostSubscription && previous.hostSubscription !== options.hostSubscription.trim()) {
    notes.push(
      `The host subscription changed (${previous.hostSubscription} -> ${hostSubscription}): names built with {{hash}} change for attendees without their own subscriptionId.`,
    );
  }

  const suffixes: Record<string, string> = { ...previous?.suffixes };
  const draw = options.drawSuffix ?? drawSuffix;
  const rendered: RenderedAttendee[] = [];
  // Template problems would repeat once per attendee: render only a template that loaded cleanly.
  if (template.problems.length === 0) {
    for (const attendee of roster.attendees) {
      const suffix = (suffixes[attendee.id] ??= draw());
      const result = renderAttendee(template, { attendee, suffix, hostSubscription });
      problems.push(...result.problems);
      rendered.push(result);
    }
    problems.push(...findCollisions(rendered.map((r) => ({ id: r.attendee.id, values: r.effective }))));
  }

  if (problems.length > 0) {
    throw new UsageError(`workshop init: ${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was written.`, [
      ...problems,
      'Fix them all in the roster or the template, then run the same command again.',
    ]);
  }

  // Attendees who left the roster keep their state dir (and whatever it created) untouched.
  const ids = new Set(roster.attendees.map((a) => a.id));
  for (const gone of previous?.attendees.filter((id) => !ids.has(id)) ?? []) {
    if (await exists(join(outDir, gone, LEDGER_FILE))) {
      notes.push(
        `"${gone}" is no longer in the roster; ${join(outDir, gone)} was left as is. Remove what it created with: ratify-runbook teardown --state-dir ${join(outDir, gone)} --yes`,
      );
    }
  }

  await mkdir(outDir, { recursive: true });
  const file: WorkshopFile = {
    version: WORKSHOP_VERSION,
    roster: resolve(options.rosterPath),
    template: options.templatePath === undefined ? undefined : resolve(options.templatePath),
    hostSubscription: hostSubscription || undefined,
    attendees: roster.attendees.map((a) => a.id),
    suffixes,
    updatedAt: options.now.toISOString(),
  };
  await writeWorkshopFile(outDir, file);
  const written: string[] = [join(outDir, 'workshop.yaml')];
  for (const result of rendered) {
    const dir = join(outDir, result.attendee.id);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'answers.yaml');
    await writeFileAtomic(path, formatAttendeeAnswers(result, options.templatePath), 0o600);
    written.push(path);
  }
  return { attendees: rendered, written, notes };
}

/** answers.yaml in question order, with a header saying where it came from and how to replay it. */
export function formatAttendeeAnswers(result: RenderedAttendee, templatePath?: string): string {
  const lines = [
    `# ratify-runbook answers for workshop attendee "${result.attendee.id}", rendered by \`workshop init\``,
    `# from templates/workshop/answers.yaml${templatePath ? ` + ${templatePath}` : ''} and the roster.`,
    '# `workshop init` rewrites this file: change the template or the roster rather than this file.',
    "# On the attendee's own machine: ratify-runbook run --answers answers.yaml",
  ];
  for (const question of questions) {
    const value = result.explicit[question.key];
    if (value === undefined || question.secret) continue;
    lines.push(stringify({ [question.key]: value }).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${path}: ${what} file not found.` : `${path}: cannot read the ${what} (${code ?? String(error)}).`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
