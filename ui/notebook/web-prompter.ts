/**
 * The browser's Prompter: the same interface the terminal's inquirer prompter implements, so
 * the answers are asked by the same code (prompts/ask-answers.ts) with the same messages, help
 * texts, defaults and validators. A question waits here until the page posts its answer; a
 * typed value the validator rejects is refused with the validator's message and asked again.
 */
import type { AnswerRow } from '../../prompts/answers-table.js';
import {
  PromptInterruptedError,
  type ConfirmAnswersChoice,
  type ConfirmAnswersRequest,
  type ConfirmRequest,
  type InputRequest,
  type Prompter,
  type SelectRequest,
} from '../../prompts/prompter.js';

export interface QuestionChoice {
  readonly value: string;
  readonly name: string;
  readonly description?: string | undefined;
}

/** What the page shows: everything is plain data, a secret's value never among it. */
export interface PendingQuestion {
  readonly id: string;
  readonly kind: 'input' | 'select' | 'confirm' | 'answers';
  readonly key: string;
  readonly message: string;
  readonly help?: string | undefined;
  /** input: the pre-filled text; select: the default choice; confirm: 'yes' | 'no'. */
  readonly default?: string | undefined;
  readonly secret?: boolean | undefined;
  readonly choices?: readonly QuestionChoice[] | undefined;
  readonly rows?: readonly AnswerRow[] | undefined;
  /** Why the last submitted value was refused (the validator's words). */
  readonly problem?: string | undefined;
  /** The refused value, to edit (never for a secret). */
  readonly refused?: string | undefined;
}

export type SubmitResult = { readonly ok: true } | { readonly ok: false; readonly problem: string };

export interface WebPrompter extends Prompter {
  /** The question waiting for the page, if any. */
  pending(): PendingQuestion | undefined;
  /** The page's answer to question `id`: accepted, or refused with the reason. */
  submit(id: string, value: string): SubmitResult;
}

interface Waiting {
  question: PendingQuestion;
  /** Returns the answer's problem, or undefined once it has resolved the question. */
  readonly accept: (value: string) => string | undefined;
}

export interface WebPrompterOptions {
  /** Aborting it rejects the waiting question with PromptInterruptedError (Stop, Ctrl-C). */
  readonly signal: AbortSignal;
  /** Called whenever the pending question changes (asked, refused, answered). */
  readonly onChange: () => void;
}

export function createWebPrompter(options: WebPrompterOptions): WebPrompter {
  let waiting: Waiting | undefined;
  let counter = 0;

  const ask = <T>(question: Omit<PendingQuestion, 'id'>, parse: (value: string) => { value: T } | { problem: string }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (options.signal.aborted) return reject(new PromptInterruptedError());
      const onAbort = () => {
        waiting = undefined;
        options.onChange();
        reject(new PromptInterruptedError());
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      counter += 1;
      const entry: Waiting = {
        question: { ...question, id: `q${counter}` },
        accept: (value) => {
          const parsed = parse(value);
          if ('problem' in parsed) {
            entry.question = { ...entry.question, problem: parsed.problem, refused: question.secret ? undefined : value };
            return parsed.problem;
          }
          options.signal.removeEventListener('abort', onAbort);
          waiting = undefined;
          resolve(parsed.value);
          return undefined;
        },
      };
      waiting = entry;
      options.onChange();
    });

  const oneOf =
    <T extends string>(allowed: readonly T[]) =>
    (value: string) =>
      (allowed as readonly string[]).includes(value) ? { value: value as T } : { problem: `choose one of: ${allowed.join(', ')}` };

  return {
    pending: () => waiting?.question,
    submit(id, value) {
      if (!waiting || waiting.question.id !== id)
        return { ok: false, problem: 'that question was already answered (or is no longer asked): reload the page' };
      const problem = waiting.accept(value);
      options.onChange();
      return problem === undefined ? { ok: true } : { ok: false, problem };
    },
    input(request: InputRequest) {
      return ask<string>(
        {
          kind: 'input',
          key: request.key,
          message: request.message,
          help: request.help,
          secret: request.secret,
          default: request.secret ? undefined : request.default,
        },
        (value) => {
          const problem = request.validate?.(value);
          return problem === undefined ? { value } : { problem };
        },
      );
    },
    select<T extends string>(request: SelectRequest<T>) {
      const choices = request.choices.map((c) => ({ value: c.value, name: c.name ?? c.value, description: c.description }));
      return ask<T>(
        { kind: 'select', key: request.key, message: request.message, help: request.help, choices, default: request.default },
        oneOf(request.choices.map((c) => c.value)),
      );
    },
    async confirm(request: ConfirmRequest) {
      const answer = await ask(
        {
          kind: 'confirm',
          key: request.key,
          message: request.message,
          help: request.help,
          default: request.default === undefined ? undefined : request.default ? 'yes' : 'no',
        },
        oneOf(['yes', 'no'] as const),
      );
      return answer === 'yes';
    },
    confirmAnswers(request: ConfirmAnswersRequest) {
      return ask<ConfirmAnswersChoice>(
        { kind: 'answers', key: 'answers', message: request.message, rows: request.rows },
        oneOf<ConfirmAnswersChoice>(['accept', 'edit']),
      );
    },
  };
}
