/**
 * The one call the CLI makes: read the saved and --answers files, layer env and --set on top,
 * then either ask (TTY) or report everything missing/invalid at once (non-interactive).
 *
 *   // bin/ passes the real environment and stdin's TTY flag; nothing under prompts/ reads them.
 *   const interactive = isInteractive({ stdinIsTTY, env, nonInteractive, yes });
 *   const { answers, resolved } = await collectAnswers({ needed, stateDir, answersFile, env, sets,
 *     interactive, prompter: interactive ? createInquirerPrompter() : undefined });
 *   await saveAnswers({ stateDir, values: resolved.values, provenance: resolved.provenance });
 */
import type { AnswerKey, Answers } from '../kernel/answer-keys.js';
import { verifyAnswers } from './answer-report.js';
import { resolveAnswers } from './answer-sources.js';
import type { Environment, ResolvedAnswers } from './answer-sources.js';
import { askAnswers } from './ask-answers.js';
import { loadSavedAnswers } from './answers-file.js';
import { readAnswersYaml } from './answers-yaml.js';
import type { Prompter } from './prompter.js';
import { questions as allQuestions } from './questions.js';
import type { QuestionSet } from './questions.js';

export interface CollectAnswersInput {
  /**
   * Answer keys of the steps still to run: nothing else is validated or asked. As a function it
   * gets the answers known before any prompt (which steps run may depend on them), and is asked
   * again after the prompts: an answer given there (createBaseResources: yes) may bring in more.
   */
  readonly needed: readonly AnswerKey[] | ((known: Partial<Answers>) => readonly AnswerKey[]);
  /** Its answers.yaml (if any) is the "saved" layer. */
  readonly stateDir: string;
  /** `--answers FILE`. */
  readonly answersFile?: string | undefined;
  readonly env: Environment;
  /** Raw `--set` values. */
  readonly sets?: readonly string[];
  readonly interactive: boolean;
  /** Required when interactive; a non-interactive run never touches it. */
  readonly prompter?: Prompter | undefined;
  readonly questions?: QuestionSet;
  /** Where relative local paths (a build context) are read from: the directory the command runs in. */
  readonly cwd?: string;
}

export interface CollectedAnswers {
  /** Every needed key present and valid; optional keys may be undefined (resolved at run time). */
  readonly answers: Partial<Answers>;
  /** Values and provenance of every key known: pass to saveAnswers. */
  readonly resolved: ResolvedAnswers;
  /** Print these (stderr); none is fatal. */
  readonly warnings: readonly string[];
}

export async function collectAnswers(input: CollectAnswersInput): Promise<CollectedAnswers> {
  const questions = input.questions ?? allQuestions;
  const [saved, file] = await Promise.all([
    loadSavedAnswers(input.stateDir),
    input.answersFile === undefined ? undefined : readAnswersYaml(input.answersFile),
  ]);
  const layers = { saved, file, env: input.env, sets: input.sets ?? [] };
  const { needed } = input;
  const neededFor = typeof needed === 'function' ? (values: ResolvedAnswers['values']) => needed(typedAnswers(values)) : () => needed;
  const cwd = input.cwd ?? input.stateDir;
  // What only this machine can tell (a build context exists) is checked before asking (an invalid
  // value is asked again) and after (a typed one is checked too).
  const ask = async (found: ResolvedAnswers): Promise<ResolvedAnswers> => {
    const checked = await checkOnDisk(found, questions, cwd);
    if (!input.interactive) return checked;
    if (!input.prompter) throw new Error('collectAnswers: an interactive run needs a prompter');
    return checkOnDisk(await askAnswers({ resolved: checked, prompter: input.prompter, questions }), questions, cwd);
  };
  // Every key counts as needed here, so that an invalid value given explicitly is unknown rather
  // than replaced by its default: a step that reads it then counts as changed, and it gets reported.
  const known = resolveAnswers({ needed: questions.map((q) => q.key), layers, questions }).values;
  let resolved = await ask(resolveAnswers({ needed: neededFor(known), layers, questions }));
  // Each round can only add keys, so this ends; the bound is a guard against a needed() that oscillates.
  for (let round = 0; round < questions.length; round++) {
    const more = neededFor(resolved.values).filter((key) => !resolved.needed.includes(key));
    if (more.length === 0) break;
    resolved = mergeRound(resolved, await ask(resolveAnswers({ needed: more, layers, questions })));
  }
  const answers = verifyAnswers(resolved, questions);
  return { answers, resolved, warnings: resolved.warnings };
}

/**
 * Runs the questions' on-disk checks on the needed values: a failure makes the value invalid
 * (reported, or asked again, like any invalid answer); a pass may normalize it (an absolute path).
 */
async function checkOnDisk(resolved: ResolvedAnswers, questions: QuestionSet, cwd: string): Promise<ResolvedAnswers> {
  const values = { ...resolved.values };
  const provenance = { ...resolved.provenance };
  const invalid = [...resolved.invalid];
  for (const question of questions) {
    const value = values[question.key];
    if (question.kind !== 'string' || !question.checkOnDisk || typeof value !== 'string') continue;
    if (!resolved.needed.includes(question.key)) continue;
    const checked = await question.checkOnDisk(value, cwd);
    if ('value' in checked) {
      values[question.key] = checked.value;
      continue;
    }
    const source = provenance[question.key] ?? { source: 'default' as const };
    invalid.push({ key: question.key, message: checked.error, provenance: source, shown: question.secret ? undefined : value });
    delete values[question.key];
    delete provenance[question.key];
  }
  return { ...resolved, values, provenance, invalid };
}

/** Adds a later round's keys; what the earlier rounds settled (answers typed at a prompt included) stays. */
function mergeRound(earlier: ResolvedAnswers, later: ResolvedAnswers): ResolvedAnswers {
  const settled = <T>(map: Readonly<Partial<Record<AnswerKey, T>>>): Partial<Record<AnswerKey, T>> => {
    const out: Partial<Record<AnswerKey, T>> = {};
    for (const key of earlier.needed) if (map[key] !== undefined) out[key] = map[key];
    return out;
  };
  return {
    ...earlier,
    needed: [...earlier.needed, ...later.needed],
    values: { ...later.values, ...settled(earlier.values) },
    provenance: { ...later.provenance, ...settled(earlier.provenance) },
    missing: [...earlier.missing, ...later.missing],
    invalid: [...earlier.invalid, ...later.invalid],
  };
}

/** Values are parsed by their question's kind, so each key already holds its answer type. */
function typedAnswers(values: ResolvedAnswers['values']): Partial<Answers> {
  return values as Partial<Answers>;
}

export interface InteractivityInput {
  readonly stdinIsTTY: boolean | undefined;
  readonly env: Environment;
  readonly nonInteractive?: boolean | undefined;
  readonly yes?: boolean | undefined;
}

/**
 * Non-interactive when stdin is not a TTY, `CI` is set, or --non-interactive/--yes (README.md, "CLI").
 * `CI=false` and `CI=0` count as unset (what ci-info does), so a developer who exports
 * CI=false locally still gets prompts (cipherstash/stack#727: inconsistent CI detection).
 */
export function isInteractive({ stdinIsTTY, env, nonInteractive, yes }: InteractivityInput): boolean {
  const ci = env.CI?.trim().toLowerCase();
  const inCi = ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
  return stdinIsTTY === true && !inCi && !nonInteractive && !yes;
}
