/**
 * Layered answers. Lowest first:
 *   default < saved (state dir answers.yaml) < file (--answers) < env (RATIFY_RUNBOOK_*) < set (--set) < prompt
 * Each key keeps where its value came from, so reports and the confirm table can say so.
 * Only the keys in `needed` are validated and reported: a step that will not run must not block
 * the run with a question about it.
 */
import { envVarFor, isAnswerKey } from '../kernel/answer-keys.js';
import type { AnswerKey } from '../kernel/answer-keys.js';
import type { AnswersDocument } from './answers-yaml.js';
import { defaultFor, questions as allQuestions } from './questions.js';
import type { AnswerScalar, Question, QuestionSet } from './questions.js';
import { parseBoolean } from './validators.js';
import { printable } from '../kernel/printable.js';

export type AnswerSource = 'default' | 'saved' | 'file' | 'env' | 'set' | 'prompt';

export interface Provenance {
  readonly source: AnswerSource;
  /** `answers.yaml:4`, `RATIFY_RUNBOOK_TAG`, `--set tag=...`: where exactly. */
  readonly where?: string;
}

/** Environment variables, injected by the caller: nothing here reads the process environment. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface AnswerLayers {
  /** The state dir's answers.yaml from an earlier run (answers-file.ts), if any. */
  readonly saved?: AnswersDocument | undefined;
  /** `--answers FILE`, parsed (answers-yaml.ts). */
  readonly file?: AnswersDocument | undefined;
  readonly env: Environment;
  /** Raw `--set` values, in command-line order (`KEY=VALUE`). */
  readonly sets: readonly string[];
}

export interface InvalidAnswer {
  readonly key: AnswerKey;
  /** The validator's message. */
  readonly message: string;
  readonly provenance: Provenance;
  /** The rejected text; undefined for a secret, which is never shown back. */
  readonly shown: string | undefined;
}

export interface ResolvedAnswers {
  readonly needed: readonly AnswerKey[];
  /** Every valid value known, for all keys (needed or not): what is saved and what defaults derive from. */
  readonly values: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;
  readonly provenance: Readonly<Partial<Record<AnswerKey, Provenance>>>;
  /** Needed keys with no value and no run-time resolution (not `optional`). */
  readonly missing: readonly AnswerKey[];
  /** Needed keys whose effective value failed its validator. */
  readonly invalid: readonly InvalidAnswer[];
  /** Problems that are not about one needed key: unknown keys in --answers, malformed --set. */
  readonly sourceProblems: readonly string[];
  /** Worth telling the user, never fatal (a secret on the command line, unknown saved keys). */
  readonly warnings: readonly string[];
}

interface Candidate {
  readonly raw: string;
  readonly provenance: Provenance;
}

/** Parses raw text by the question's kind: booleans from true/false/yes/no/1/0, choices by any case. */
export function parseAnswer(question: Question, raw: string): { value: AnswerScalar } | { error: string } {
  const text = raw.trim();
  if (question.kind === 'boolean') {
    const value = parseBoolean(text);
    return value === undefined ? { error: question.validate(text) ?? 'must be true or false.' } : { value };
  }
  const value =
    question.kind === 'choice' ? (question.choices.find((choice) => choice.toLowerCase() === text.toLowerCase()) ?? text) : text;
  const error = question.validate(value);
  return error === undefined ? { value } : { error };
}

/** Checks one typed value against its question (what a prompt or a default produced). */
export function validateAnswer(question: Question, value: AnswerScalar): string | undefined {
  if (question.kind === 'boolean') return typeof value === 'boolean' ? undefined : 'must be true or false.';
  return typeof value === 'string' ? question.validate(value) : 'must be text, not true/false.';
}

/**
 * Rules that involve two answers. Only the key on the left is reported, and only when it is needed.
 * Same repo for both images: the unsigned build would overwrite the signed tag and verify would
 * compare an image with itself.
 */
const crossChecks: ReadonlyArray<{ key: AnswerKey; check: (values: ResolvedAnswers['values']) => string | undefined }> = [
  {
    key: 'unsignedRepo',
    check: (values) =>
      values.unsignedRepo !== undefined && values.unsignedRepo === values.repo
        ? 'must differ from repo: the unsigned image needs its own repository, or it overwrites the signed one.'
        : undefined,
  },
];

/** The cross-key rules for one key, given all values (the prompt runs them on the typed value too). */
export function checkAcross(key: AnswerKey, values: ResolvedAnswers['values']): string | undefined {
  for (const rule of crossChecks) {
    if (rule.key !== key) continue;
    const message = rule.check(values);
    if (message) return message;
  }
  return undefined;
}

export interface ResolveInput {
  readonly needed: readonly AnswerKey[];
  readonly layers: AnswerLayers;
  readonly questions?: QuestionSet;
}

export function resolveAnswers({ needed, layers, questions = allQuestions }: ResolveInput): ResolvedAnswers {
  const sourceProblems: string[] = [];
  const warnings: string[] = [];
  const candidates = new Map<AnswerKey, Candidate>();
  const offer = (key: AnswerKey, candidate: Candidate): void => {
    candidates.set(key, candidate); // later layers call this later: the highest source wins
  };

  // 1. Explicit sources, lowest first.
  if (layers.saved) {
    for (const [key, entry] of layers.saved.entries) {
      // A key an older version saved and this one no longer knows must not block a resume.
      if (!isAnswerKey(key)) warnings.push(`${entry.where}: ignoring saved answer "${printable(key)}" (not an answer key any more).`);
      else if (!isSecret(questions, key)) offer(key, { raw: entry.raw, provenance: { source: 'saved', where: entry.where } });
    }
    sourceProblems.push(...layers.saved.problems);
  }
  if (layers.file) {
    const unknown: string[] = [];
    for (const [key, entry] of layers.file.entries) {
      if (isAnswerKey(key)) offer(key, { raw: entry.raw, provenance: { source: 'file', where: entry.where } });
      else unknown.push(`${entry.where}: "${printable(key)}"${suggestKey(key)}`);
    }
    if (unknown.length > 0) {
      sourceProblems.push(
        `${layers.file.origin} has unknown answer keys: ${unknown.join('; ')}. Valid keys: ${questions.map((q) => q.key).join(', ')}.`,
      );
    }
    sourceProblems.push(...layers.file.problems);
  }
  for (const question of questions) {
    const name = envVarFor(question.key);
    const raw = layers.env[name];
    // An empty variable counts as unset: `export X=` is how shells "clear" a value.
    if (raw !== undefined && raw.trim() !== '') offer(question.key, { raw, provenance: { source: 'env', where: name } });
  }
  for (const set of layers.sets) {
    const parsed = parseSet(set, questions);
    if ('problem' in parsed) {
      sourceProblems.push(parsed.problem);
      continue;
    }
    if (isSecret(questions, parsed.key)) {
      warnings.push(
        `--set ${parsed.key}: a secret on the command line is visible in the process list and shell history; prefer ${envVarFor(parsed.key)}.`,
      );
    }
    offer(parsed.key, { raw: parsed.value, provenance: { source: 'set', where: `--set ${parsed.key}` } });
  }

  // 2. Parse and validate explicit values; invalid ones are reported (when needed), never used.
  const values: Partial<Record<AnswerKey, AnswerScalar>> = {};
  const provenance: Partial<Record<AnswerKey, Provenance>> = {};
  const invalid: InvalidAnswer[] = [];
  const isNeeded = new Set(needed);
  for (const question of questions) {
    const candidate = candidates.get(question.key);
    if (!candidate) continue;
    const parsed = parseAnswer(question, candidate.raw);
    if ('value' in parsed) {
      values[question.key] = parsed.value;
      provenance[question.key] = candidate.provenance;
    } else if (isNeeded.has(question.key)) {
      invalid.push({
        key: question.key,
        message: parsed.error,
        provenance: candidate.provenance,
        shown: question.secret ? undefined : candidate.raw,
      });
    }
  }

  // 3. Defaults, in question order, so a derived default sees explicit values and earlier defaults.
  //    A key whose explicit value was invalid gets no default: the user meant something else.
  const invalidKeys = new Set(invalid.map((entry) => entry.key));
  for (const question of questions) {
    if (question.key in values || invalidKeys.has(question.key)) continue;
    const value = defaultFor(question, values);
    // A derived default that breaks a rule is simply not offered (it would block the run for a
    // value the user never typed); the key then counts as missing and is asked or reported.
    if (value !== undefined && validateAnswer(question, value) === undefined) {
      values[question.key] = value;
      provenance[question.key] = { source: 'default' };
    }
  }

  // 4. Rules across keys, then what is still missing.
  for (const { key, check } of crossChecks) {
    if (!isNeeded.has(key) || invalidKeys.has(key) || values[key] === undefined) continue;
    const message = check(values);
    const source = provenance[key];
    if (message && source) {
      invalid.push({ key, message, provenance: source, shown: isSecret(questions, key) ? undefined : String(values[key]) });
      delete values[key];
      delete provenance[key];
      invalidKeys.add(key);
    }
  }
  const missing = needed.filter((key) => {
    const question = questions.find((q) => q.key === key);
    return values[key] === undefined && !invalidKeys.has(key) && question?.optional === undefined;
  });

  return { needed, values, provenance, missing, invalid: orderByQuestions(invalid, questions), sourceProblems, warnings };
}

function isSecret(questions: QuestionSet, key: AnswerKey): boolean {
  return questions.find((q) => q.key === key)?.secret === true;
}

function orderByQuestions(invalid: InvalidAnswer[], questions: QuestionSet): InvalidAnswer[] {
  const index = (key: AnswerKey): number => questions.findIndex((q) => q.key === key);
  return [...invalid].sort((a, b) => index(a.key) - index(b.key));
}

/** `--set KEY=VALUE`: the value may itself contain "=" (a DN does), so split at the first one. */
export function parseSet(text: string, questions: QuestionSet = allQuestions): { key: AnswerKey; value: string } | { problem: string } {
  const equals = text.indexOf('=');
  if (equals <= 0) {
    return { problem: `--set ${printable(text)}: expected KEY=VALUE, e.g. --set keyVaultName=kv-ratify-demo01.` };
  }
  const key = text.slice(0, equals).trim();
  const value = text.slice(equals + 1);
  if (!isAnswerKey(key) || !questions.some((q) => q.key === key)) {
    const valid = questions.map((q) => q.key).join(', ');
    return { problem: `--set ${printable(key)}=...: "${printable(key)}" is not an answer key${suggestKey(key)}. Valid keys: ${valid}.` };
  }
  if (value.trim() === '') {
    return { problem: `--set ${key}=: no value given; drop the flag or give a value, e.g. --set ${key}=${exampleOf(questions, key)}.` };
  }
  return { key, value };
}

function exampleOf(questions: QuestionSet, key: AnswerKey): string {
  return questions.find((q) => q.key === key)?.example ?? '...';
}

/** `keyvaultname`, `KEY_VAULT_NAME`, `key-vault-name` -> ` (did you mean keyVaultName?)`. */
function suggestKey(key: string): string {
  const folded = key
    .replace(/^RATIFY_RUNBOOK_/i, '')
    .replace(/[-_\s]/g, '')
    .toLowerCase();
  const match = allQuestions.find((q) => q.key.toLowerCase() === folded);
  return match ? ` (did you mean ${match.key}?)` : '';
}
