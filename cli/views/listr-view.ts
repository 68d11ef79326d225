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
}

/**
 * listr2's default renderer on a terminal. The engine schedules; each listr task only
 * mirrors one step (it waits for the engine to say the step ended).
 */
export async function createListrView(stream: NodeJS.WriteStream, color: boolean): Promise<ProgressView> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  if (!color) process.env.LISTR_FORCE_UNICODE ??= '1';
  let run: Promise<unknown> = Promise.resolve();
  const state = new Map<string, { title: string; done: Deferred; task?: TaskHandle; pending: ((t: TaskHandle) => void)[] }>();
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
          renderer: 'default',
          rendererOptions: {
            // Progress belongs on stderr: stdout is reserved for machine output (DESIGN).
            logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(stream, process.stdout) }),
            collapseSubtasks: false,
            showErrorMessage: true,
            collapseErrors: false,
            timer: { condition: true, field: (ms: number) => ` [${(ms / 1000).toFixed(1)}s]` } as never,
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
    async end() {
      for (const entry of state.values()) {
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
