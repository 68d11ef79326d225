/**
 * A Prompter scripted by question key: it answers only what the script lists
 * and throws on any unexpected question, so a test fails when the flow asks more than it should.
 * Each scripted input answer runs through the request's validator like a person's typing would;
 * a list of answers for one key is used in order (a rejected one, then a fixed one).
 */
import type {
  ConfirmAnswersChoice,
  ConfirmAnswersRequest,
  ConfirmRequest,
  InputRequest,
  Prompter,
  SelectRequest,
} from '../../prompts/prompter.js';

/** The literal `ENTER` accepts the pre-filled default, as pressing Enter would. */
export const ENTER = Symbol('enter');
export type Scripted = string | boolean | typeof ENTER;

export interface AskedQuestion {
  readonly kind: 'input' | 'select' | 'confirm' | 'confirmAnswers';
  readonly key: string;
  readonly default?: unknown;
  readonly secret?: boolean;
}

export class FakePrompter implements Prompter {
  readonly asked: AskedQuestion[] = [];
  /** Validator messages shown for scripted answers that were rejected. */
  readonly rejections: { key: string; value: string; message: string }[] = [];
  readonly tables: ConfirmAnswersRequest[] = [];
  private readonly script: Map<string, Scripted[]>;

  constructor(script: Readonly<Record<string, Scripted | readonly Scripted[]>>) {
    this.script = new Map(Object.entries(script).map(([key, value]) => [key, Array.isArray(value) ? [...value] : [value as Scripted]]));
  }

  private next(key: string): Scripted {
    const queue = this.script.get(key);
    const value = queue?.shift();
    if (value === undefined)
      throw new Error(`FakePrompter: unexpected question "${key}" (asked so far: ${this.asked.map((q) => q.key).join(', ')})`);
    return value;
  }

  /** Keys scripted but never asked: tests assert this is empty. */
  unused(): string[] {
    return [...this.script].filter(([, queue]) => queue.length > 0).map(([key]) => key);
  }

  async input(request: InputRequest): Promise<string> {
    this.asked.push({ kind: 'input', key: request.key, default: request.default, ...(request.secret ? { secret: true } : {}) });
    for (;;) {
      const scripted = this.next(request.key);
      const text = scripted === ENTER ? (request.default ?? '') : String(scripted);
      const message = request.validate?.(text);
      if (message === undefined) return text;
      this.rejections.push({ key: request.key, value: text, message });
    }
  }

  async select<T extends string>(request: SelectRequest<T>): Promise<T> {
    this.asked.push({ kind: 'select', key: request.key, default: request.default });
    const scripted = this.next(request.key);
    const value = scripted === ENTER ? request.default : scripted;
    const choice = request.choices.find((c) => c.value === value);
    if (!choice) throw new Error(`FakePrompter: "${String(value)}" is not a choice of "${request.key}"`);
    return choice.value;
  }

  async confirm(request: ConfirmRequest): Promise<boolean> {
    this.asked.push({ kind: 'confirm', key: request.key, default: request.default });
    const scripted = this.next(request.key);
    if (scripted === ENTER) return request.default ?? false;
    if (typeof scripted !== 'boolean') throw new Error(`FakePrompter: "${request.key}" wants true/false`);
    return scripted;
  }

  async confirmAnswers(request: ConfirmAnswersRequest): Promise<ConfirmAnswersChoice> {
    this.asked.push({ kind: 'confirmAnswers', key: 'confirmAnswers' });
    this.tables.push(request);
    const scripted = this.next('confirmAnswers');
    if (scripted !== 'accept' && scripted !== 'edit') throw new Error('FakePrompter: confirmAnswers wants accept or edit');
    return scripted;
  }
}
