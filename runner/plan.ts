import type { Answers } from '../kernel/answer-keys.js';
import type { CommandEvent } from './command-runner.js';
import { skipText } from './progress-events.js';
import { Redactor } from './redact.js';
import { whyNotApplicable } from './schedule.js';
import { createStepContext, type ContextDeps, type GeneratedFile } from './step-context.js';
import { verifyStepList } from './step-graph.js';
import type { Outputs, Step } from './step.js';
import type { Clock } from '../kernel/clock.js';

export interface PlannedCommand {
  readonly argv: readonly string[];
  readonly mutates: boolean;
  readonly capture?: string;
  readonly guardedBy?: readonly string[];
  readonly probe?: boolean;
}

export interface PlannedStep {
  readonly id: string;
  readonly title: string;
  readonly explain: string;
  readonly skipped?: string;
  readonly commands: readonly PlannedCommand[];
  readonly files: readonly { path: string; content: string }[];
  readonly error?: string;
}

export interface PlanOptions {
  readonly steps: readonly Step[];
  readonly answers: Partial<Answers>;
  readonly stateDir: string;
  readonly runId?: string;
  readonly clock: Clock;
}

/**
 * Records, without executing anything, the commands and files every step would produce on
 * a fresh world, branching on the answers alone. Values known only after running appear as
 * `<stepId.outputName>`.
 */
export async function planSteps(options: PlanOptions): Promise<PlannedStep[]> {
  verifyStepList(options.steps);
  const outputs = new Map<string, Outputs>();
  const planned: PlannedStep[] = [];
  for (const step of options.steps) {
    const notApplicable = whyNotApplicable(step, options.answers);
    if (notApplicable) {
      planned.push({ id: step.id, title: step.title, explain: step.explain, skipped: skipText(notApplicable), commands: [], files: [] });
      continue;
    }
    const { commands, files, result, error } = await recordStep(step, {
      mode: 'plan',
      stateDir: options.stateDir,
      runId: options.runId ?? '<runId>',
      answers: options.answers,
      profile: { toolPath: [], toolEnv: {} },
      azure: { getById: async () => undefined, listTagged: async () => [] },
      clock: options.clock,
      baseEnv: {},
      redactor: new Redactor(),
      outputsOf: (id) => outputs.get(id),
      confirm: async (_question, answer) => answer,
    });
    outputs.set(step.id, Object.fromEntries(step.produces.map((name) => [name, result?.[name] ?? `<${step.id}.${name}>`])));
    planned.push({
      id: step.id,
      title: step.title,
      explain: step.explain,
      commands: commands.map(({ argv, mutates, options: o }) => ({
        argv,
        mutates,
        ...(o.capture ? { capture: o.capture } : {}),
        ...(o.guardedBy ? { guardedBy: o.guardedBy } : {}),
        ...(o.probe ? { probe: true } : {}),
      })),
      files: files.map(({ path, content }) => ({ path, content })),
      ...(error ? { error } : {}),
    });
  }
  return planned;
}

export interface RecordedStep {
  readonly commands: CommandEvent[];
  readonly files: GeneratedFile[];
  readonly result?: Outputs;
  readonly error?: string;
}

/**
 * Runs a step's `run` in plan mode: every command and file is recorded, nothing executes.
 * Used for `plan` and for guided mode's preview (with the real outputs of earlier steps).
 */
export async function recordStep(step: Step, deps: ContextDeps): Promise<RecordedStep> {
  const commands: CommandEvent[] = [];
  const files: GeneratedFile[] = [];
  try {
    const ctx = createStepContext(step, { ...deps, mode: 'plan' }, {
      attempt: 0,
      signal: new AbortController().signal,
      onCommand: (event) => commands.push(event),
      onLog: () => {},
      onCreated: async () => {},
      onWillCreate: async () => {},
      onFile: (file) => files.push(file),
    });
    return { commands, files, result: await step.run(ctx) };
  } catch (e) {
    // What was recorded before the step needed a real value is still worth showing.
    return { commands, files, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The `plan --format json` contract: a stable shape that scripts read. */
export function planToJson(plan: readonly PlannedStep[]): string {
  return `${JSON.stringify(
    {
      steps: plan.map((s) => ({
        id: s.id,
        title: s.title,
        ...(s.skipped ? { skipped: s.skipped } : {}),
        commands: s.commands.map((c) => ({ argv: c.argv, mutates: c.mutates })),
        files: s.files,
      })),
    },
    null,
    2,
  )}\n`;
}
