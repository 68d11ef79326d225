/**
 * The state dir's answers.yaml: the effective answers of the last run, so a resume asks nothing
 * new and the file can be replayed (`--answers`) or attached to a bug report (reference C3).
 * Secret-flagged keys are never written (reference C4: secrets leaking into answer files).
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AnswerKey } from './answer-keys.js';
import type { Provenance } from './answer-sources.js';
import { provenanceLabel } from './answer-report.js';
import { parseAnswersYaml } from './answers-yaml.js';
import type { AnswersDocument } from './answers-yaml.js';
import { questions as allQuestions } from './questions.js';
import type { AnswerScalar, QuestionSet } from './questions.js';

export const answersFileName = 'answers.yaml';

export function answersFilePath(stateDir: string): string {
  return join(stateDir, answersFileName);
}

/** The saved answers, or undefined on a first run (no file yet). */
export async function loadSavedAnswers(stateDir: string): Promise<AnswersDocument | undefined> {
  const path = answersFilePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // A damaged file is reported with file:line (never silently reset): the user fixes or deletes it.
  return parseAnswersYaml(text, path);
}

export interface SaveAnswersInput {
  readonly stateDir: string;
  readonly values: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;
  /** Written as a comment after each value, so a reader knows which ones were typed vs defaulted. */
  readonly provenance?: Readonly<Partial<Record<AnswerKey, Provenance>>>;
  readonly questions?: QuestionSet;
  /** For the header line; injected so the file is reproducible in tests. */
  readonly now?: Date;
}

/** What answers.yaml will contain; secrets are dropped here, so no caller can forget to. */
export function formatSavedAnswers({ values, provenance = {}, questions = allQuestions, now }: Omit<SaveAnswersInput, 'stateDir'>): string {
  const lines = [
    '# ratify-runbook answers: the effective answers of the last run in this state dir.',
    '# A later run here reads them (a file, env var or --set overrides any of them).',
    '# Replay them elsewhere with: ratify-runbook run --answers <this file>',
    '# Secret answers are never written here.',
    ...(now ? [`# Written ${now.toISOString()}`] : []),
  ];
  for (const question of questions) {
    const value = values[question.key];
    if (value === undefined || question.secret) continue;
    const origin = provenance[question.key];
    const line = stringify({ [question.key]: value }).trimEnd();
    lines.push(origin ? `${line}  # ${provenanceLabel(origin)}` : line);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Atomic replace: write a temp file in the same directory, fsync it, rename over the old one.
 * A crash leaves either the old file or the new one, never half of one.
 */
export async function saveAnswers(input: SaveAnswersInput): Promise<string> {
  const path = answersFilePath(input.stateDir);
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const text = formatSavedAnswers(input);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(input.stateDir);
  return path;
}

/** Makes the rename itself durable; not every platform lets a directory be fsynced, hence best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some filesystems refuse; the file content is already synced.
  }
}
