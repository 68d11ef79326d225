/**
 * The non-interactive report (as CleverCloud/clever-tools#1092 asks): every missing and every invalid
 * answer at once, each naming the three ways to supply it (file key, env var, --set flag) with an
 * example, so one edit fixes the whole run instead of one error per attempt.
 */
import { envVarFor } from '../kernel/answer-keys.js';
import type { AnswerKey, Answers } from '../kernel/answer-keys.js';
import type { Provenance, ResolvedAnswers } from './answer-sources.js';
import { questionFor, questions as allQuestions } from './questions.js';
import type { QuestionSet } from './questions.js';
import { ExitCode, RunbookError } from '../kernel/errors.js';
import { printable } from '../kernel/printable.js';

export interface AnswerProblem {
  readonly key: AnswerKey;
  readonly kind: 'missing' | 'invalid';
  /** The validator's message (invalid) or the question's help (missing). */
  readonly message: string;
  /** Where the rejected value came from (invalid only). */
  readonly provenance?: Provenance;
  /** The rejected text (invalid, non-secret only). */
  readonly value?: string;
  readonly fileKey: string;
  readonly envVar: string;
  readonly flag: string;
  readonly example: string;
}

export interface AnswersReport {
  /** One line: counts, e.g. "2 answers are invalid and 3 are missing". */
  readonly summary: string;
  /** The lines to print under the summary (two per answer, then source problems). */
  readonly lines: readonly string[];
  readonly problems: readonly AnswerProblem[];
  readonly sourceProblems: readonly string[];
  /** 2 when anything is invalid (missing ones are listed too), else 3. */
  readonly exitCode: typeof ExitCode.usage | typeof ExitCode.missingAnswers;
}

/** Thrown by verifyAnswers; `problems` lets `--json` print the same report as data. */
export class AnswersError extends RunbookError {
  readonly problems: readonly AnswerProblem[];
  readonly sourceProblems: readonly string[];
  constructor(report: AnswersReport) {
    super(report.summary, report.exitCode, report.lines);
    this.problems = report.problems;
    this.sourceProblems = report.sourceProblems;
  }
}

export function buildAnswersReport(resolved: ResolvedAnswers, questions: QuestionSet = allQuestions): AnswersReport {
  const problems: AnswerProblem[] = [];
  const invalidByKey = new Map(resolved.invalid.map((entry) => [entry.key, entry]));
  const missing = new Set(resolved.missing);
  // Question order, so the report reads like the prompts would.
  for (const question of questions) {
    const key = question.key;
    const ways = { fileKey: `${key}:`, envVar: envVarFor(key), flag: `--set ${key}=`, example: question.example };
    const invalid = invalidByKey.get(key);
    if (invalid) {
      problems.push({
        key,
        kind: 'invalid',
        message: invalid.message,
        provenance: invalid.provenance,
        ...(invalid.shown === undefined ? {} : { value: invalid.shown }),
        ...ways,
      });
    } else if (missing.has(key)) {
      problems.push({ key, kind: 'missing', message: question.help, ...ways });
    }
  }

  const invalidCount = problems.filter((p) => p.kind === 'invalid').length;
  const missingCount = problems.length - invalidCount;
  const lines: string[] = [];
  for (const problem of problems) {
    lines.push(`${problem.kind === 'invalid' ? 'invalid' : 'missing'} ${problem.key}: ${describe(problem)}`);
    const example = questionFor(problem.key, questions).secret ? '<value>' : problem.example;
    lines.push(
      `    supply it with "${problem.fileKey} ${example}" in the answers file, ${problem.envVar}=${quoteForShell(example)}, or ${problem.flag}${quoteForShell(example)}`,
    );
  }
  lines.push(...resolved.sourceProblems);

  const parts: string[] = [];
  if (invalidCount > 0) parts.push(`${invalidCount} ${invalidCount === 1 ? 'answer is' : 'answers are'} invalid`);
  if (missingCount > 0) parts.push(`${missingCount} ${missingCount === 1 ? 'answer is' : 'answers are'} missing`);
  if (resolved.sourceProblems.length > 0) {
    parts.push(
      `${resolved.sourceProblems.length} answer ${resolved.sourceProblems.length === 1 ? 'source has a problem' : 'sources have problems'}`,
    );
  }
  const summary =
    parts.length === 0
      ? 'All needed answers are present and valid.'
      : `Cannot run: ${parts.join(', ')}. Nothing was run and nothing was asked (non-interactive).`;
  const exitCode = invalidCount > 0 || resolved.sourceProblems.length > 0 ? ExitCode.usage : ExitCode.missingAnswers;
  return { summary, lines, problems, sourceProblems: resolved.sourceProblems, exitCode };
}

function describe(problem: AnswerProblem): string {
  if (problem.kind === 'missing') return `no value. ${problem.message}`;
  const from = problem.provenance ? ` (from ${provenanceLabel(problem.provenance)})` : '';
  const value = problem.value === undefined ? 'the value' : printable(JSON.stringify(problem.value));
  return `${value}${from} ${problem.message}`;
}

export function provenanceLabel(provenance: Provenance): string {
  switch (provenance.source) {
    case 'default':
      return 'default';
    case 'prompt':
      return 'answered';
    case 'saved':
      return `saved ${provenance.where ?? 'answers.yaml'}`;
    case 'file':
      return provenance.where ?? '--answers';
    case 'env':
      return provenance.where ?? 'environment';
    case 'set':
      return provenance.where ?? '--set';
  }
}

/** Single quotes when the shell would split or expand the example (a DN has no spaces, a path may). */
function quoteForShell(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The non-interactive gate: returns the answers when every needed one is present and valid,
 * else throws AnswersError (exit 2 if anything is invalid or a source is malformed, else 3).
 * Optional keys that are absent stay undefined: the run resolves them.
 */
export function verifyAnswers(resolved: ResolvedAnswers, questions: QuestionSet = allQuestions): Partial<Answers> {
  const report = buildAnswersReport(resolved, questions);
  if (report.problems.length > 0 || report.sourceProblems.length > 0) throw new AnswersError(report);
  return resolved.values as Partial<Answers>;
}
