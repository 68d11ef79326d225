/**
 * One `ratify-runbook ui`: the runbook's run, driven from the browser. It owns the run's event
 * bus (every attempt emits on it, so a page follows one story), the browser's prompter and
 * gate, and what the page needs besides the events: the ledger on disk (outputs, commands of
 * earlier runs) and the commands each step will run. An attempt is one call of the injected
 * `attempt` (the CLI's `run`, with this prompter and gate); Retry is another attempt, which
 * resumes from the ledger like running the command again.
 */
import { readLedger } from '../../checkpoints/ledger.js';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import type { Answers } from '../../kernel/answer-keys.js';
import type { Clock } from '../../kernel/clock.js';
import { ExitCode, InterruptedError, RunbookError } from '../../kernel/errors.js';
import type { GateChoice, StepPreview } from '../../runner/engine.js';
import { planSteps } from '../../runner/plan.js';
import type { ProgressBus, RunSnapshot } from '../../runner/progress-bus.js';
import type { RunOutcome } from '../../runner/progress-events.js';
import type { Step } from '../../runner/step.js';
import { createWebPrompter, type PendingQuestion, type SubmitResult, type WebPrompter } from './web-prompter.js';

export type Gate = (preview: StepPreview) => Promise<GateChoice>;

export interface AttemptInput {
  readonly signal: AbortSignal;
  /** Asks missing answers in the page; undefined when the command runs non-interactively (--yes). */
  readonly prompter: WebPrompter | undefined;
  /** The page's Run / Skip / Run all / Stop; undefined: every step runs without asking. */
  readonly gate: Gate | undefined;
  /** The run calls this with its final answers (the page then lists every step's commands). */
  readonly onAnswers: (answers: Partial<Answers>) => void;
}

export interface NotebookSessionOptions {
  readonly steps: readonly Step[];
  readonly stateDir: string;
  readonly bus: ProgressBus;
  /** --yes / --non-interactive: nothing is asked, every step runs while the page watches. */
  readonly unattended: boolean;
  /** One run of the runbook; resolves to its exit code, or throws what `run` would. */
  readonly attempt: (input: AttemptInput) => Promise<number>;
  /** How an error ends a command (message and hints on stderr): returns its exit code. */
  readonly report: (error: unknown) => number;
  readonly clock: Clock;
  /** Ctrl-C: the running attempt stops (the step is marked interrupted). */
  readonly signal: AbortSignal;
}

export type SessionAction = 'run' | 'skip' | 'all' | 'stop' | 'retry';

/** Where the whole thing stands, for the status bar. */
export type SessionPhase = 'running' | 'asking' | 'gate' | 'idle';

export interface SessionProblem {
  readonly message: string;
  readonly hints: readonly string[];
}

interface GateWait {
  readonly stepId: string;
  readonly resolve: (choice: GateChoice) => void;
}

interface Attempt {
  readonly controller: AbortController;
  readonly prompter: WebPrompter | undefined;
  readonly done: Promise<number>;
}

export class NotebookSession {
  readonly options: NotebookSessionOptions;
  /** Told which part of the page changed: `head`, `run-status`, `question`, `summary` or `step-<id>`. */
  readonly #listeners = new Set<(part: string) => void>();
  #ledger: LedgerData | undefined;
  #attempt: Attempt | undefined;
  #gate: GateWait | undefined;
  #runAll: boolean;
  #lastExit: number | undefined;
  #lastOutcome: RunOutcome | undefined;
  #problem: SessionProblem | undefined;
  #attempts = 0;
  readonly #planned = new Map<string, { exact: boolean; commands: readonly (readonly string[])[]; files: readonly string[] }>();
  readonly #settledOnce: Promise<number>;
  #settle: (code: number) => void = () => {};

  constructor(options: NotebookSessionOptions) {
    this.options = options;
    this.#runAll = options.unattended;
    this.#settledOnce = new Promise((resolve) => (this.#settle = resolve));
    options.bus.subscribe((event) => {
      if (event.type === 'run-start') {
        this.#lastOutcome = undefined;
        this.#touchAll();
        void this.refreshLedger();
      } else if (event.type === 'run-end') {
        this.#lastOutcome = event.outcome;
        this.#touch('run-status', 'summary');
        void this.refreshLedger();
      } else if ('stepId' in event) {
        this.#touch(`step-${event.stepId}`);
        if (event.type === 'step' && !['checking', 'running'].includes(event.phase)) void this.refreshLedger();
      }
    });
  }

  /** Called with a part id whenever that part of the page should be drawn again. */
  onChange(listener: (part: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get ledger(): LedgerData | undefined {
    return this.#ledger;
  }

  get snapshot(): RunSnapshot {
    return this.options.bus.snapshot();
  }

  get phase(): SessionPhase {
    if (!this.#attempt) return 'idle';
    if (this.#gate) return 'gate';
    return this.#attempt.prompter?.pending() ? 'asking' : 'running';
  }

  get gateStep(): string | undefined {
    return this.#gate?.stepId;
  }

  get question(): PendingQuestion | undefined {
    return this.#attempt?.prompter?.pending();
  }

  get lastExit(): number | undefined {
    return this.#lastExit;
  }

  get lastOutcome(): RunOutcome | undefined {
    return this.#lastOutcome;
  }

  get problem(): SessionProblem | undefined {
    return this.#problem;
  }

  get runAll(): boolean {
    return this.#runAll;
  }

  get attempts(): number {
    return this.#attempts;
  }

  planned(stepId: string): { exact: boolean; commands: readonly (readonly string[])[]; files: readonly string[] } | undefined {
    return this.#planned.get(stepId);
  }

  /** Resolves with the exit code of the first attempt (`--exit-when-done`). */
  firstAttempt(): Promise<number> {
    return this.#settledOnce;
  }

  async refreshLedger(): Promise<void> {
    try {
      this.#ledger = await readLedger(this.options.stateDir);
    } catch {
      return; // a damaged ledger is reported by the run itself; keep what the page showed
    }
    this.#touchAll();
  }

  /** Starts an attempt unless one runs; resolves when it has started. */
  start(): void {
    if (this.#attempt || this.options.signal.aborted) return;
    const controller = new AbortController();
    const follow = () => controller.abort();
    this.options.signal.addEventListener('abort', follow, { once: true });
    const prompter = this.options.unattended
      ? undefined
      : createWebPrompter({ signal: controller.signal, onChange: () => this.#touch('question', 'run-status') });
    this.#problem = undefined;
    this.#attempts += 1;
    const attempt: Attempt = {
      controller,
      prompter,
      done: this.#runAttempt(controller.signal, prompter).finally(() => {
        this.options.signal.removeEventListener('abort', follow);
      }),
    };
    this.#attempt = attempt;
    this.#touch('run-status', 'question');
    void attempt.done.then((code) => {
      this.#attempt = undefined;
      this.#gate = undefined;
      this.#lastExit = code;
      this.#settle(code);
      this.#touchAll();
      void this.refreshLedger();
    });
  }

  /** A button on the page. Returns why it cannot be done now, or undefined when it was done. */
  act(action: SessionAction, stepId?: string): string | undefined {
    const gate = this.#gate;
    switch (action) {
      case 'run':
      case 'skip':
        if (!gate || (stepId !== undefined && gate.stepId !== stepId)) return 'no step is waiting for that answer (reload the page)';
        return this.#answerGate(action);
      case 'all':
        this.#runAll = true;
        if (gate) return this.#answerGate('all');
        if (this.#attempt) return undefined; // already running; the rest runs without asking
        this.start();
        return undefined;
      case 'stop':
        if (gate) return this.#answerGate('quit');
        if (!this.#attempt) return 'nothing is running';
        this.#attempt.controller.abort();
        return undefined;
      case 'retry':
        if (this.#attempt) return 'the run is still going';
        this.start();
        return undefined;
    }
  }

  answer(questionId: string, value: string): SubmitResult {
    const prompter = this.#attempt?.prompter;
    if (!prompter) return { ok: false, problem: 'no question is waiting (reload the page)' };
    return prompter.submit(questionId, value);
  }

  /** Ctrl-C: resolves with the exit code the command ends with. */
  async stop(): Promise<number> {
    const attempt = this.#attempt;
    if (!attempt) return this.#lastExit ?? ExitCode.interrupted;
    attempt.controller.abort();
    return attempt.done;
  }

  #answerGate(choice: GateChoice): undefined {
    const gate = this.#gate;
    this.#gate = undefined;
    gate?.resolve(choice);
    if (gate) this.#touch(`step-${gate.stepId}`, 'run-status');
    return undefined;
  }

  async #runAttempt(signal: AbortSignal, prompter: WebPrompter | undefined): Promise<number> {
    const gate: Gate | undefined = this.options.unattended ? undefined : (preview) => this.#askGate(preview, signal);
    try {
      return await this.options.attempt({ signal, prompter, gate, onAnswers: (answers) => void this.#plan(answers) });
    } catch (error) {
      // A failed step is told by its cell; anything else (missing answers, a lock) by the status bar.
      if (error instanceof RunbookError && !('stepId' in error)) this.#problem = { message: error.message, hints: error.hints };
      else if (!(error instanceof RunbookError))
        this.#problem = { message: `Unexpected error: ${(error as Error)?.message ?? String(error)}`, hints: [] };
      return this.options.report(error);
    }
  }

  #askGate(preview: StepPreview, signal: AbortSignal): Promise<GateChoice> {
    const stepId = preview.step.id;
    this.#planned.set(stepId, { exact: true, commands: preview.commands.map((c) => c.argv), files: preview.files.map((f) => f.path) });
    if (this.#runAll) return Promise.resolve('all');
    return new Promise<GateChoice>((resolve, reject) => {
      if (signal.aborted) return reject(new InterruptedError());
      const onAbort = () => {
        this.#gate = undefined;
        this.#touch(`step-${stepId}`, 'run-status');
        reject(new InterruptedError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#gate = {
        stepId,
        resolve: (choice) => {
          signal.removeEventListener('abort', onAbort);
          if (choice === 'all') this.#runAll = true;
          resolve(choice);
        },
      };
      this.#touch(`step-${stepId}`, 'run-status');
    });
  }

  /** Every step's commands on a fresh world, from the run's answers (a step's gate then shows the exact ones). */
  async #plan(answers: Partial<Answers>): Promise<void> {
    const { steps, stateDir, clock } = this.options;
    try {
      const plan = await planSteps({ steps, answers, stateDir, clock, runId: this.#ledger?.runId });
      for (const step of plan) {
        if (this.#planned.get(step.id)?.exact) continue;
        this.#planned.set(step.id, { exact: false, commands: step.commands.map((c) => c.argv), files: step.files.map((f) => f.path) });
      }
    } catch {
      return; // the plan is a courtesy: the run itself reports what is wrong
    }
    this.#touchAll();
  }

  #touch(...parts: string[]): void {
    for (const part of parts) for (const listener of this.#listeners) listener(part);
  }

  #touchAll(): void {
    this.#touch('head', 'run-status', 'question', 'summary', ...this.options.steps.map((s) => `step-${s.id}`));
  }
}
