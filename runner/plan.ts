import type { Answers } from '../kernel/answer-keys.js';
import type { CommandEvent } from './command-runner.js';
import { skipText } from './progress-events.js';
import { Redactor } from './redact.js';
import { PLAN_READERS } from './reads.js';
import { whyNotApplicable } from './schedule.js';
import { createStepContext, type ContextDeps, type GeneratedFile, type PlannedWait } from './step-context.js';
import { verifyStepList } from './step-graph.js';
import type { Outputs, PlanAssumptions, Step } from './step.js';
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
  /** What the plan takes the machine and world to be (the machine's Helm, a local-accounts cluster). */
  readonly assumptions?: PlanAssumptions;
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
    const { commands, files, result, error } = await recordStep(
      step,
      planDeps({ ...options, runId: options.runId ?? '<runId>', assumptions: options.assumptions ?? {} }, outputs),
    );
    outputs.set(step.id, plannedOutputs(step, result));
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

/** In the order they happened: commands, and waits holding the commands their probe ran once. */
export type RecordedItem =
  | { readonly kind: 'command'; readonly event: CommandEvent }
  | { readonly kind: 'wait'; readonly wait: PlannedWait; readonly commands: CommandEvent[] };

export interface RecordedStep {
  readonly commands: CommandEvent[];
  readonly files: GeneratedFile[];
  readonly items: RecordedItem[];
  readonly result?: Outputs;
  readonly error?: string;
}

/** What recording a step in plan mode needs: nothing runs, nothing is read, every question takes its default. */
export function planDeps(
  plan: Pick<ContextDeps, 'stateDir' | 'runId' | 'answers' | 'assumptions' | 'clock'>,
  outputs: ReadonlyMap<string, Outputs>,
): ContextDeps {
  return {
    mode: 'plan',
    stateDir: plan.stateDir,
    runId: plan.runId,
    answers: plan.answers,
    assumptions: plan.assumptions ?? {},
    profile: { toolPath: [], toolEnv: {} },
    ...PLAN_READERS,
    clock: plan.clock,
    baseEnv: {},
    redactor: new Redactor(),
    outputsOf: (id) => outputs.get(id),
    confirm: async (_question, answer) => answer,
  };
}

/** A planned step's outputs: what its run returned, else the placeholder `<stepId.name>`. */
export function plannedOutputs(step: Step, result: Outputs | undefined): Outputs {
  return Object.fromEntries(step.produces.map((name) => [name, result?.[name] ?? `<${step.id}.${name}>`]));
}

/**
 * Runs a step's `run` (or, for the exported script, its `script` when it has one) in plan
 * mode: every command, wait and file is recorded, nothing executes. Used for `plan`, the
 * script export and guided mode's preview (with the real outputs of earlier steps).
 */
export async function recordStep(step: Step, deps: ContextDeps, forScript = false): Promise<RecordedStep> {
  const commands: CommandEvent[] = [];
  const files: GeneratedFile[] = [];
  const items: RecordedItem[] = [];
  let open: { wait: PlannedWait; commands: CommandEvent[] } | undefined;
  try {
    const ctx = createStepContext(
      step,
      { ...deps, mode: 'plan' },
      {
        attempt: 0,
        signal: new AbortController().signal,
        onCommand: (event) => {
          commands.push(event);
          if (open) open.commands.push(event);
          else items.push({ kind: 'command', event });
        },
        onLog: () => {},
        onCreated: async () => {},
        onWillCreate: async () => {},
        onFile: (file) => files.push(file),
        onWait: (wait) => {
          if (wait && !open) {
            open = { wait, commands: [] };
            items.push({ kind: 'wait', ...open });
          } else if (!wait) open = undefined;
        },
      },
    );
    const result = forScript && step.script ? (await step.script(ctx), undefined) : await step.run(ctx);
    return { commands, files, items, ...(result ? { result } : {}) };
  } catch (e) {
    // What was recorded before the step needed a real value is still worth showing.
    return { commands, files, items, error: e instanceof Error ? e.message : String(e) };
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
