/**
 * The one seam between the runbook and a person at a terminal. Everything that asks goes through
 * a Prompter; createInquirerPrompter is the only code that imports @inquirer/prompts, and it
 * imports it lazily so `--help` and non-interactive runs never load it (bench: --help <= 2x node).
 * Tests use a scripted fake (test/prompts/fake-prompter.ts) that fails on any unexpected question.
 */
import { InterruptedError } from '../kernel/errors.js';
import { formatAnswersTable } from './answers-table.js';
import type { AnswerRow } from './answers-table.js';

interface RequestBase {
  /** Stable id of the question (an answer key, or e.g. `step:key-vault`): fakes are scripted by it. */
  readonly key: string;
  readonly message: string;
  /** One or two sentences shown above the prompt. */
  readonly help?: string;
}

export interface InputRequest extends RequestBase {
  /** Pre-filled, editable text; Enter alone accepts it. */
  readonly default?: string;
  /** Returns a message to show and re-ask, or undefined to accept. */
  readonly validate?: (value: string) => string | undefined;
  /** Typed without echo, never pre-filled. */
  readonly secret?: boolean;
}

export interface SelectChoice<T extends string> {
  readonly value: T;
  readonly name?: string;
  readonly description?: string;
}

export interface SelectRequest<T extends string> extends RequestBase {
  readonly choices: readonly SelectChoice<T>[];
  readonly default?: T;
}

export interface ConfirmRequest extends RequestBase {
  readonly default?: boolean;
}

export interface ConfirmAnswersRequest {
  readonly message: string;
  readonly rows: readonly AnswerRow[];
}

/** accept: use the table as shown; edit: walk every question pre-filled with its current value. */
export type ConfirmAnswersChoice = 'accept' | 'edit';

export interface Prompter {
  input(request: InputRequest): Promise<string>;
  select<T extends string>(request: SelectRequest<T>): Promise<T>;
  confirm(request: ConfirmRequest): Promise<boolean>;
  /** Shows the answers as one table (key, value, source) and asks to accept or edit them. */
  confirmAnswers(request: ConfirmAnswersRequest): Promise<ConfirmAnswersChoice>;
}

/** Ctrl-C (or an abort) inside a prompt: nothing was run; maps to exit 130 like any interruption. */
export class PromptInterruptedError extends InterruptedError {
  constructor() {
    super('Stopped at a question (Ctrl-C). Nothing was run; run the same command again to continue.');
  }
}

/**
 * True for inquirer's own "the user closed the prompt" errors. Matched by name so this module
 * does not load inquirer to test for them; exported for callers that hold a raw inquirer error.
 */
export function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/** True for any prompt interruption, raw or already converted: the CLI maps it to exit 130. */
export function isPromptInterrupted(error: unknown): boolean {
  return error instanceof PromptInterruptedError || isPromptExit(error);
}

/**
 * inquirer's own `confirm` prompt function, for a renderer that hosts prompts itself (listr2's
 * inquirer adapter takes the prompt function): loaded lazily, like everything here.
 */
export async function inquirerConfirmPrompt(): Promise<typeof import('@inquirer/prompts').confirm> {
  return (await import('@inquirer/prompts')).confirm;
}

export interface InquirerPrompterOptions {
  readonly input?: NodeJS.ReadableStream;
  /**
   * NOTE: defaults to stderr, not stdout: stdout is kept for machine output (`run --json`),
   * and a prompt on stdout would end up inside it.
   */
  readonly output?: NodeJS.WritableStream;
  /** Aborting it closes the open prompt (it then throws PromptInterruptedError). */
  readonly signal?: AbortSignal;
}

export function createInquirerPrompter(options: InquirerPrompterOptions = {}): Prompter {
  const output = options.output ?? process.stderr;
  const context = {
    output,
    ...(options.input ? { input: options.input } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const showHelp = (help: string | undefined): void => {
    if (help) output.write(`\n  ${help}\n`);
  };
  const toInquirerValidate = (validate: ((value: string) => string | undefined) | undefined) =>
    validate ? (value: string): string | true => validate(value) ?? true : undefined;

  return {
    async input(request) {
      showHelp(request.help);
      const inquirer = await import('@inquirer/prompts');
      const validate = toInquirerValidate(request.validate);
      return interruptible(() =>
        request.secret
          ? inquirer.password({ message: request.message, mask: true, ...(validate ? { validate } : {}) }, context)
          : inquirer.input(
              {
                message: request.message,
                ...(request.default !== undefined ? { default: request.default, prefill: 'editable' as const } : {}),
                ...(validate ? { validate } : {}),
              },
              context,
            ),
      );
    },
    async select<T extends string>(request: SelectRequest<T>): Promise<T> {
      showHelp(request.help);
      const inquirer = await import('@inquirer/prompts');
      const choices = request.choices.map((choice) => ({
        value: choice.value,
        name: choice.name ?? choice.value,
        ...(choice.description ? { description: choice.description } : {}),
      }));
      return interruptible(() =>
        inquirer.select<T>(
          { message: request.message, choices, ...(request.default !== undefined ? { default: request.default } : {}) },
          context,
        ),
      );
    },
    async confirm(request) {
      showHelp(request.help);
      const inquirer = await import('@inquirer/prompts');
      return interruptible(() =>
        inquirer.confirm({ message: request.message, ...(request.default !== undefined ? { default: request.default } : {}) }, context),
      );
    },
    async confirmAnswers(request) {
      output.write(`\n${formatAnswersTable(request.rows)}\n`);
      const inquirer = await import('@inquirer/prompts');
      return interruptible(() =>
        inquirer.select<ConfirmAnswersChoice>(
          {
            message: request.message,
            choices: [
              { value: 'accept', name: 'Use these answers' },
              { value: 'edit', name: 'Edit them (walks every question, pre-filled)' },
            ],
            default: 'accept',
          },
          context,
        ),
      );
    },
  };
}

async function interruptible<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (isPromptExit(error)) throw new PromptInterruptedError();
    throw error;
  }
}
