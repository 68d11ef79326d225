import type { ChalkInstance } from '../../kernel/terminal-style.js';
import type { RunEvent, StepPhase } from '../../runner/progress-events.js';
import type { ProgressView } from './view.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

interface TaskHandle {
  title: string;
  output: string;
  skip(message?: string): void;
  // listr2's TaskWrapper.prompt(adapter).run(prompt, config); typed loosely to keep listr2 types lazy.
  prompt(adapter: never): { run(prompt: never, config: never): unknown };
}

interface Entry {
  readonly title: string;
  readonly done: Deferred;
  finished?: boolean;
  task?: TaskHandle;
  readonly pending: ((task: TaskHandle) => void)[];
}

/**
 * listr2's default renderer on a terminal, fed by the run's events. Each listr task only mirrors
 * one step (it waits for the events to say the step ended). Steps are drawn in batches: all of
 * them at once, or in guided mode one step at a time, so the question before the next step is
 * never drawn over a live renderer. Anything written outside a batch waits for the batch's last frame.
 */
export async function createListrView(stream: NodeJS.WriteStream, chalk: ChalkInstance): Promise<ProgressView> {
  const { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } = await import('listr2');
  if (chalk.level === 0) process.env.LISTR_FORCE_UNICODE ??= '1';
  const titles = new Map<string, string>();
  /** Steps of this run that have not ended yet, in flow order. */
  const unsettled: string[] = [];
  let guided = false;
  /** The current batch: step id -> its listr task's state. */
  let batch: Map<string, Entry> | undefined;
  /** Everything drawn so far, in order: a batch's run, then the lines written after it. */
  let screen: Promise<unknown> = Promise.resolve();
  const later = (draw: () => unknown) => {
    screen = screen.then(draw).catch(() => {});
  };

  const openBatch = (ids: readonly string[]) => {
    closeBatch();
    const entries = new Map<string, Entry>(ids.map((id) => [id, { title: titles.get(id) ?? id, done: deferred(), pending: [] }]));
    batch = entries;
    later(() =>
      new Listr(
        [...entries].map(([, entry]) => ({
          title: entry.title,
          task: async (_ctx: unknown, task: TaskHandle) => {
            entry.task = task;
            task.title = `${entry.title} · waiting`;
            for (const apply of entry.pending.splice(0)) apply(task);
            await entry.done.promise;
          },
        })),
        {
          concurrent: true,
          exitOnError: false,
          // listr2's own SIGINT handler exits 127 before the ledger is saved: the CLI handles signals.
          registerSignalListeners: false,
          renderer: 'default',
          rendererOptions: {
            // Progress belongs on stderr: stdout is reserved for machine output (`run --json`).
            logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(stream, process.stdout) }),
            collapseSubtasks: false,
            showErrorMessage: true,
            collapseErrors: false,
            timer: PRESET_TIMER,
          },
        },
      )
        .run()
        .catch(() => {}),
    );
  };
  /** Ends the batch; steps it never saw start (an earlier failure, Ctrl-C) show as not run. */
  const closeBatch = () => {
    for (const entry of batch?.values() ?? []) {
      if (entry.finished) continue;
      entry.finished = true;
      withTask(entry, (task) => task.skip(`${entry.title} (not run)`));
      entry.done.resolve();
    }
    batch = undefined;
  };
  const withTask = (entry: Entry, apply: (task: TaskHandle) => void) => {
    if (entry.task) apply(entry.task);
    else entry.pending.push(apply);
  };

  const phase = (stepId: string, step: StepPhase, detail: string | undefined) => {
    const entry = batch?.get(stepId);
    if (!entry) {
      // Outside the current batch (guided mode: reused or skipped steps between questions).
      if (step === 'reused' || step === 'skipped') later(() => stream.write(`${chalk.dim(`↓ ${stepId}: ${detail ?? step}`)}\n`));
      return;
    }
    if (step === 'checking' || step === 'running') {
      withTask(entry, (task) => {
        task.title = `${entry.title}${step === 'running' ? '' : ` · ${step}`}`;
      });
      return;
    }
    entry.finished = true;
    if (step === 'done') {
      withTask(entry, (task) => {
        task.title = entry.title;
      });
      entry.done.resolve();
    } else if (step === 'reused' || step === 'skipped') {
      withTask(entry, (task) => task.skip(`${entry.title} (${detail ?? step})`));
      entry.done.resolve();
    } else {
      entry.done.reject(new Error(detail ?? step));
    }
    if ([...(batch?.values() ?? [])].every((e) => e.finished)) batch = undefined;
  };

  const onEvent = (event: RunEvent) => {
    switch (event.type) {
      case 'run-start':
        closeBatch();
        unsettled.splice(0, unsettled.length, ...event.steps.filter((s) => s.selected).map((s) => s.id));
        for (const step of event.steps) titles.set(step.id, step.title);
        guided = event.guided;
        if (!guided && unsettled.length > 0) openBatch(unsettled);
        return;
      case 'prompt-answered':
        if (event.kind === 'gate' && event.answer === 'all') {
          guided = false;
          openBatch(unsettled);
        }
        return;
      case 'step': {
        if (event.phase === 'checking' && !batch?.has(event.stepId)) openBatch([event.stepId]);
        const at = unsettled.indexOf(event.stepId);
        if (at >= 0 && event.phase !== 'checking' && event.phase !== 'running') unsettled.splice(at, 1);
        const detail = event.phase === 'failed' || event.phase === 'interrupted' ? event.error : event.reason;
        phase(event.stepId, event.phase, detail);
        return;
      }
      case 'log': {
        const entry = batch?.get(event.stepId);
        if (entry) {
          withTask(entry, (task) => {
            task.output = event.line;
          });
        }
        return;
      }
      default:
        return;
    }
  };

  return {
    onEvent,
    async idle() {
      closeBatch();
      await screen;
    },
    async confirm(stepId, question, defaultAnswer) {
      // listr2 hosts the prompt inside the task (its inquirer adapter), so the renderer does
      // not draw over the question.
      const task = batch?.get(stepId)?.task;
      if (!task) return defaultAnswer;
      const [{ ListrInquirerPromptAdapter }, confirm] = await Promise.all([
        import('@listr2/prompt-adapter-inquirer'),
        import('../../prompts/prompter.js').then((m) => m.inquirerConfirmPrompt()),
      ]);
      return (await task
        .prompt(ListrInquirerPromptAdapter as never)
        .run(confirm as never, { message: question, default: defaultAnswer } as never)) as boolean;
    },
  };
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
