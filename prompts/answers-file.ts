/**
 * The state dir's answers.yaml: the effective answers of the last run, so a resume asks nothing
 * new and the file can be replayed (`--answers`) or attached to a bug report.
 * Secret-flagged keys are never written: an answers file gets shared, and a secret in it leaks.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import { readIfExists } from '../checkpoints/read-if-exists.js';
import type { AnswerKey } from '../kernel/answer-keys.js';
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
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
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

/** Atomic replace (checkpoints/atomic-write): a crash leaves the old file or the new one, never half. */
export async function saveAnswers(input: SaveAnswersInput): Promise<string> {
  const path = answersFilePath(input.stateDir);
  await writeFileAtomic(path, formatSavedAnswers(input), 0o600);
  return path;
}
