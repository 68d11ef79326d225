/**
 * The interactive path: the answers already known are shown as ONE table
 * to accept or edit; "edit" walks every needed question pre-filled with its current value; after
 * "accept" only the missing (and rejected) ones are asked, one by one. Every prompt validates
 * with the same parseAnswer/validator as the file path, so the two cannot disagree.
 */
import type { AnswerKey } from '../kernel/answer-keys.js';
import { provenanceLabel } from './answer-report.js';
import { checkAcross, parseAnswer } from './answer-sources.js';
import type { Provenance, ResolvedAnswers } from './answer-sources.js';
import type { AnswerRow } from './answers-table.js';
import type { Prompter } from './prompter.js';
import { defaultFor, questions as allQuestions } from './questions.js';
import type { AnswerScalar, Question, QuestionSet } from './questions.js';
import { UsageError } from '../kernel/errors.js';

export interface AskAnswersInput {
  readonly resolved: ResolvedAnswers;
  readonly prompter: Prompter;
  readonly questions?: QuestionSet;
}

/** Shown instead of a secret's value anywhere on screen. */
export const maskedValue = '********';

/**
 * Returns the answers with nothing missing or invalid (pass it to verifyAnswers for the typed
 * answers, and to saveAnswers). A malformed source (unknown key in --answers, bad --set) is a
 * usage error even on a TTY: asking around a typo would hide it until the next CI run.
 */
export async function askAnswers({ resolved, prompter, questions = allQuestions }: AskAnswersInput): Promise<ResolvedAnswers> {
  if (resolved.sourceProblems.length > 0) {
    throw new UsageError('The answers given have problems; fix them and run again.', resolved.sourceProblems);
  }
  const values: Partial<Record<AnswerKey, AnswerScalar>> = { ...resolved.values };
  const provenance: Partial<Record<AnswerKey, Provenance>> = { ...resolved.provenance };
  const needed = questions.filter((question) => resolved.needed.includes(question.key));
  const invalid = new Map(resolved.invalid.map((entry) => [entry.key, entry]));
  const missing = new Set(resolved.missing);

  const rows = answerRows(needed, resolved);
  const choice = rows.length > 0 ? await prompter.confirmAnswers({ message: 'Use these answers?', rows }) : 'edit'; // nothing known yet: every needed question is asked

  for (const question of needed) {
    const key = question.key;
    const rejected = invalid.get(key);
    const mustAsk = missing.has(key) || rejected !== undefined;
    if (choice === 'accept' && !mustAsk) continue;
    // A single choice with a valid value leaves nothing to choose (ratifyChartVersion).
    if (!mustAsk && question.kind === 'choice' && question.choices.length === 1) continue;

    // A defaulted value is re-derived: an edit earlier in the walk (certSubject) changes it (certName).
    const current = provenance[key]?.source === 'default' || values[key] === undefined ? defaultFor(question, values) : values[key];
    const prefill = rejected ? (rejected.shown ?? undefined) : current;
    const answer = await askOne(prompter, question, prefill, values, rejected?.message);
    if (answer === undefined) {
      delete values[key]; // an optional key left empty: resolved at run time
      delete provenance[key];
    } else {
      // Enter on the value already there keeps its source (default, saved, file...), Enter on an
      // offered default is still a default; anything else is the user's answer.
      const before = provenance[key];
      values[key] = answer;
      if (!rejected && answer === current && before !== undefined) provenance[key] = before;
      else if (!rejected && answer === defaultFor(question, values)) provenance[key] = { source: 'default' };
      else provenance[key] = { source: 'prompt' };
    }
  }
  return { ...resolved, values, provenance, missing: [], invalid: [] };
}

function answerRows(needed: readonly Question[], resolved: ResolvedAnswers): AnswerRow[] {
  const rows: AnswerRow[] = [];
  for (const question of needed) {
    const key = question.key;
    const rejected = resolved.invalid.find((entry) => entry.key === key);
    const value = resolved.values[key];
    const origin = resolved.provenance[key];
    if (rejected) {
      rows.push({
        key,
        value: rejected.shown ?? maskedValue,
        source: provenanceLabel(rejected.provenance),
        problem: `${rejected.message} (asked again next)`,
      });
    } else if (value !== undefined && origin) {
      rows.push({ key, value: question.secret ? maskedValue : String(value), source: provenanceLabel(origin) });
    } else if (question.optional !== undefined) {
      rows.push({ key, value: '(at run time)', source: question.optional });
    }
  }
  return rows;
}

/** Asks one question by its kind; returns undefined only for an optional key left empty. */
async function askOne(
  prompter: Prompter,
  question: Question,
  prefill: AnswerScalar | undefined,
  values: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>,
  problem: string | undefined,
): Promise<AnswerScalar | undefined> {
  const help = problem ? `${question.help}\n  The value given ${problem}` : question.help;
  if (question.kind === 'boolean') {
    return prompter.confirm({ key: question.key, message: question.message, help, default: prefill === true });
  }
  if (question.kind === 'choice') {
    const fallback = typeof prefill === 'string' && question.choices.includes(prefill) ? prefill : question.choices[0];
    return prompter.select({
      key: question.key,
      message: question.message,
      help,
      choices: question.choices.map((value) => ({ value })),
      ...(fallback !== undefined ? { default: fallback } : {}),
    });
  }

  // A secret is never pre-filled or echoed; Enter alone keeps the value it already has.
  const keep = question.secret && typeof prefill === 'string' ? prefill : undefined;
  const validate = (text: string): string | undefined => {
    if (text.trim() === '') {
      if (keep !== undefined || question.optional !== undefined) return undefined;
      return `needs a value, e.g. ${question.example}`;
    }
    const parsed = parseAnswer(question, text);
    if ('error' in parsed) return parsed.error;
    return checkAcross(question.key, { ...values, [question.key]: parsed.value });
  };
  const suffix =
    question.optional !== undefined ? ` (empty: ${question.optional})` : keep !== undefined ? ' (Enter keeps the current value)' : '';
  const text = await prompter.input({
    key: question.key,
    message: question.message + suffix,
    help,
    validate,
    ...(question.secret ? { secret: true } : {}),
    ...(!question.secret && typeof prefill === 'string' ? { default: prefill } : {}),
  });
  if (text.trim() === '') return keep;
  const parsed = parseAnswer(question, text);
  return 'value' in parsed ? parsed.value : undefined;
}
