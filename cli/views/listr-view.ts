import type { ProgressView } from '../../runner/progress.js';

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

/**
 * listr2's default renderer on a terminal. The engine schedules; each listr task only
 * mirrors one step (it waits for the engine to say the step ended).
 */
export async function createListrView(stream: NodeJS.WriteStream, color: boolean): Promise<ProgressView> {
  const { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } = await import('listr2');
  if (!color) process.env.LISTR_FORCE_UNICODE ??= '1';
  let run: Promise<unknown> = Promise.resolve();
  const state = new Map<string, { title: string; done: Deferred; finished?: boolean; task?: TaskHandle; pending: ((t: TaskHandle) => void)[] }>();
  const withTask = (id: string, apply: (task: TaskHandle) => void) => {
    const entry = state.get(id);
    if (!entry) return;
    if (entry.task) apply(entry.task);
    else entry.pending.push(apply);
  };
  const finish = (id: string, how: (entry: NonNullable<ReturnType<typeof state.get>>) => void) => {
    const entry = state.get(id);
    if (entry) how(entry);
  };
  return {
    begin(steps) {
      state.clear();
      for (const step of steps) state.set(step.id, { title: step.title, done: deferred(), pending: [] });
      const list = new Listr(
        steps.map((step) => ({
          title: step.title,
          task: async (_ctx: unknown, task: TaskHandle) => {
            const entry = state.get(step.id);
            if (!entry) return;
            entry.task = task;
            task.title = `${step.title} · waiting`;
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
            // Progress belongs on stderr: stdout is reserved for machine output (DESIGN).
            logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(stream, process.stdout) }),
            collapseSubtasks: false,
            showErrorMessage: true,
            collapseErrors: false,
            timer: PRESET_TIMER,
          },
        },
      );
      run = list.run().catch(() => {});
    },
    phase(stepId, phase, detail) {
      if (!state.has(stepId)) {
        // Outside the current batch (guided mode: reused or skipped steps between questions).
        if (phase === 'reused' || phase === 'skipped') stream.write(`${color ? '\u001b[2m' : ''}↓ ${stepId}: ${detail ?? phase}${color ? '\u001b[22m' : ''}\n`);
        return;
      }
      const title = state.get(stepId)?.title ?? stepId;
      if (phase === 'checking' || phase === 'running' || phase === 'waiting') {
        withTask(stepId, (task) => {
          task.title = `${title}${phase === 'running' ? '' : ` · ${phase}`}`;
        });
        return;
      }
      finish(stepId, (entry) => {
        entry.finished = true;
        if (phase === 'done') {
          withTask(stepId, (task) => {
            task.title = title;
          });
          entry.done.resolve();
        } else if (phase === 'reused' || phase === 'skipped') {
          withTask(stepId, (task) => task.skip(`${title} (${detail ?? phase})`));
          entry.done.resolve();
        } else {
          entry.done.reject(new Error(detail ?? phase));
        }
      });
    },
    log(stepId, line) {
      withTask(stepId, (task) => {
        task.output = line;
      });
    },
    async confirm(stepId, question, defaultAnswer) {
      // listr2 hosts the prompt inside the task (its inquirer adapter), so the renderer does
      // not draw over the question.
      const task = state.get(stepId)?.task;
      if (!task) return defaultAnswer;
      const [{ ListrInquirerPromptAdapter }, confirm] = await Promise.all([
        import('@listr2/prompt-adapter-inquirer'),
        import('../../prompts/prompter.js').then((m) => m.inquirerConfirmPrompt()),
      ]);
      return (await task.prompt(ListrInquirerPromptAdapter as never).run(confirm as never, { message: question, default: defaultAnswer } as never)) as boolean;
    },
    async end() {
      // Steps the engine never started (an earlier failure, Ctrl-C) are shown as not run.
      for (const entry of state.values()) {
        if (entry.finished) continue;
        entry.finished = true;
        if (!entry.task) entry.pending.push((task) => task.skip(`${entry.title} (not run)`));
        entry.task?.skip(`${entry.title} (not run)`);
        entry.done.resolve();
      }
      await run;
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
