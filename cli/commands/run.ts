import { join, relative, resolve } from 'node:path';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import type { Answers } from '../../kernel/answer-keys.js';
import { saveAnswers } from '../../prompts/answers-file.js';
import { collectAnswers, isInteractive } from '../../prompts/collect-answers.js';
import { createInquirerPrompter, isPromptInterrupted, type Prompter } from '../../prompts/prompter.js';
import { printable } from '../../kernel/printable.js';
import type { CloudProfile } from '../../kernel/cloud-profile.js';
import { runEngine, type EngineOptions, type EngineResult, type StepPreview } from '../../runner/engine.js';
import { StepFailedError, UsageError } from '../../kernel/errors.js';
import { NOTEBOOK_FILE, subscribeNotebook } from '../../runner/notebook.js';
import { createProgressBus, type ProgressBus } from '../../runner/progress-bus.js';
import type { RunSummary } from '../../runner/progress-events.js';
import { nextCommands, summaryText, type NextCommand } from '../../runner/run-summary.js';
import { answersNeeded, decideSteps, selectSteps } from '../../runner/schedule.js';
import { findStep } from '../../runner/step-graph.js';
import { flag, listOption, option, parseCommandArgs, stringOption } from '../args.js';
import { openCloudProfile, sandboxFlags, type SandboxFlags } from '../cloud-profiles.js';
import { createGuidedGate } from '../guided-gate.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { chalkFor } from '../../kernel/terminal-style.js';
import { DEFAULT_STATE_DIR, openStateDir, runIdOf, stateDirOf } from '../state-dir.js';
import { statusJson } from '../../runner/status-json.js';
import { systemClock } from '../system-clock.js';
import { engineContext } from '../engine-context.js';
import { createProgressView } from '../views/create-view.js';
import type { ProgressView } from '../views/view.js';

/** run's options; `ui` takes every one of them too. */
export const runOptions = {
  ...option.answers,
  ...option.set,
  ...option.stateDir,
  ...option.runId,
  from: { type: 'string' },
  only: { type: 'string' },
  serial: { type: 'boolean' },
  ...option.yes,
  ...option.nonInteractive,
  ...option.sandbox,
  ...option.json,
  ...option.help,
} as const;

export default async function runCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('run', args, runOptions);
  return runRunbook(io, {
    stateDir: stateDirOf(io, parsed),
    runId: runIdOf(parsed),
    answersFile: stringOption(parsed, 'answers'),
    sets: listOption(parsed, 'set'),
    from: stringOption(parsed, 'from'),
    only: stringOption(parsed, 'only'),
    serial: flag(parsed, 'serial'),
    interactive: isInteractive({
      stdinIsTTY: io.stdin.isTTY,
      env: io.env,
      nonInteractive: flag(parsed, 'non-interactive'),
      yes: flag(parsed, 'yes'),
    }),
    sandbox: sandboxFlags(parsed),
    json: flag(parsed, 'json'),
  });
}

export interface RunOptions {
  readonly stateDir: string;
  /** The run's mark for a new state dir (checked: runIdOf); default: a random one. A resumed run must name its own. */
  readonly runId?: string | undefined;
  readonly answersFile?: string;
  readonly sets?: readonly string[];
  readonly from?: string;
  readonly only?: string;
  readonly serial?: boolean;
  readonly interactive: boolean;
  readonly sandbox?: SandboxFlags;
  /** The simulated world (default <stateDir>/sandbox; a workshop shares DIR/sandbox). */
  readonly worldDir?: string;
  readonly json?: boolean;
  /** Where the run's progress goes (the workshop passes one per attendee); default: a new bus. */
  readonly events?: ProgressBus;
  /** The commands the closing summary offers; default: status, export and teardown of this state dir. */
  readonly next?: readonly NextCommand[];
  /** Who asks when interactive; default: inquirer on the terminal (`ui` passes the browser's). */
  readonly prompter?: Prompter;
  /** Guided mode's question before each step; default: the terminal's when interactive; null: none. */
  readonly gate?: EngineOptions['gate'] | null;
  /** How progress is drawn on the terminal; default: listr2 on a TTY, else plain lines. */
  readonly view?: ProgressView;
  /** Told the run's final answers once they are saved (`ui` lists every step's commands from them). */
  readonly onAnswers?: (answers: Partial<Answers>) => void;
}

/** One runbook run; the workshop runner calls this for each attendee with its own Io. */
export async function runRunbook(io: Io, options: RunOptions): Promise<number> {
  const { stateDir, from, only, sandbox, interactive } = options;
  if (from && only) throw new UsageError('--from and --only cannot be combined.');
  const { steps } = await import('../../steps/index.js');
  // Unknown step ids stop here, before the state dir is touched.
  if (from) findStep(steps, from, '--from');
  if (only) findStep(steps, only, '--only');
  const clock = systemClock;
  const target = sandbox ? ({ kind: 'sandbox' } as const) : ({ kind: 'azure' } as const);
  const state = await openStateDir(io, { stateDir, command: `ratify-runbook run`, target, clock, runId: options.runId });
  let profile: CloudProfile | undefined;
  try {
    // --only before its dependencies are done stops here: nothing asked, nothing run.
    const selection = selectSteps(steps, state.ledger, { from, only });
    const terminal = () => createInquirerPrompter({ input: io.stdin, output: io.stderr, signal: io.signal });
    const prompter = interactive ? (options.prompter ?? terminal()) : undefined;
    const collected = await collectAnswers({
      cwd: io.cwd,
      // The engine decides with the same function: a step skipped or reused asks nothing.
      needed: (known) => answersNeeded(steps, decideSteps(steps, state.ledger, known, selection)),
      stateDir,
      answersFile: options.answersFile,
      env: io.env,
      sets: options.sets ?? [],
      interactive,
      prompter,
    });
    for (const warning of collected.warnings) writeLine(io.stderr, `! ${printable(warning)}`);
    const answers = collected.answers;
    verifySubscription(state.ledger, answers);
    await saveAnswers({ stateDir, values: collected.resolved.values, provenance: collected.resolved.provenance });
    options.onAnswers?.(answers);

    profile = await openCloudProfile(stateDir, sandbox, answers, options.worldDir);
    const notice = profile.kind === 'sandbox' ? simulatedNotice(options.worldDir ?? join(stateDir, 'sandbox')) : undefined;
    banner(io, state.existed, state.ledger, profile, stateDir, notice);
    const next = options.next ?? nextCommands({ stateDir: stateDirArgument(io, stateDir), sandbox: sandbox !== undefined });
    const store = new LedgerStore(stateDir, state.ledger, clock);
    const events = options.events ?? createProgressBus();
    const notebook = subscribeNotebook(events, stateDir, state.ledger, steps, { notice, next });
    const view = options.view ?? (await createProgressView(io));
    const stopViewing = events.subscribe(view.onEvent);
    let summary: RunSummary | undefined;
    const stopListening = events.subscribe((event) => {
      if (event.type === 'run-end') summary = event.summary;
    });
    const guidedGate = interactive && prompter ? createGuidedGate(io.stderr, prompter, chalkFor(io, io.stderr)) : undefined;
    // The live renderer stops before the question is printed.
    const terminalGate = guidedGate && (async (preview: StepPreview) => (await view.idle(), guidedGate(preview)));
    const gate = options.gate !== undefined ? (options.gate ?? undefined) : terminalGate;
    try {
      let result: EngineResult;
      try {
        result = await runEngine({
          steps,
          store,
          signal: io.signal,
          events,
          from,
          only,
          serial: options.serial,
          wallClock: clock,
          gate,
          context: engineContext(io, stateDir, answers, profile, confirmer(prompter, view, io)),
        });
      } finally {
        await view.idle();
      }
      if (result.outcome === 'quit') {
        writeLine(
          io.stderr,
          `Stopped at your request. Run \`ratify-runbook run\` again to continue. Notebook: ${join(stateDir, NOTEBOOK_FILE)}`,
        );
      } else {
        const skipped = summary?.skipped.length ?? 0;
        const done = skipped > 0 ? `Done, except ${skipped} skipped step(s)` : 'All steps done';
        writeLine(io.stderr, `✔ ${done}. Notebook: ${join(stateDir, NOTEBOOK_FILE)}`);
        if (summary) for (const line of summaryText(summary, next)) writeLine(io.stderr, line);
      }
    } catch (error) {
      if (error instanceof StepFailedError) {
        writeLine(io.stderr, `  Log: ${join(stateDir, state.ledger.steps[error.stepId]?.logs.at(-1) ?? 'logs')}`);
        writeLine(io.stderr, `  Notebook: ${join(stateDir, NOTEBOOK_FILE)}`);
        writeLine(io.stderr, `  Fix the cause, then run the same command again: it resumes at "${error.stepId}".`);
      }
      throw error;
    } finally {
      stopViewing();
      stopListening();
      recordAzureTarget(state.ledger);
      await store.save();
      await notebook.close();
      if (options.json) io.stdout.write(statusJson(state.ledger, steps));
    }
    return 0;
  } finally {
    await profile?.close();
    await state.release();
  }
}

/** `--state-dir` as the person would type it again: omitted for the default, relative when under the current folder. */
function stateDirArgument(io: Io, stateDir: string): string | undefined {
  if (resolve(io.cwd, DEFAULT_STATE_DIR) === resolve(stateDir)) return undefined;
  const path = relative(io.cwd, stateDir);
  return path && !path.startsWith('..') ? path : resolve(stateDir);
}

/** Another subscription than the ledger's means another world: refuse before running anything. */
function verifySubscription(ledger: LedgerData, answers: Partial<Answers>): void {
  if (ledger.target.kind !== 'azure' || !ledger.target.subscriptionId || !answers.subscriptionId) return;
  if (ledger.target.subscriptionId !== answers.subscriptionId) {
    throw new UsageError(
      `This state dir belongs to subscription ${ledger.target.subscriptionId}, but subscriptionId is ${answers.subscriptionId}. Nothing was run.`,
      ['Use another --state-dir for the other subscription.'],
    );
  }
}

/** Once preflight has read the tenant and subscription, the ledger's target names them. */
function recordAzureTarget(ledger: LedgerData): void {
  const pre = ledger.steps.preflight?.outputs;
  if (ledger.target.kind === 'azure' && pre?.subscriptionId && pre.tenantId) {
    ledger.target = { kind: 'azure', subscriptionId: pre.subscriptionId, tenantId: pre.tenantId };
  }
}

/** A step's yes/no question: asked under the live renderer when it hosts prompts, else directly. */
function confirmer(prompter: Prompter | undefined, view: ProgressView, io: Io) {
  return async (question: string, nonInteractiveAnswer: boolean, stepId: string) => {
    if (!prompter) return nonInteractiveAnswer;
    try {
      if (view.confirm) return await view.confirm(stepId, question, nonInteractiveAnswer);
      return await prompter.confirm({ key: `confirm:${stepId}`, message: question, default: nonInteractiveAnswer });
    } catch (error) {
      // Ctrl-C at the question (a key press there, not a signal) stops the whole run like a Ctrl-C.
      if (isPromptInterrupted(error)) io.interrupt?.('SIGINT');
      throw error;
    }
  };
}

export function simulatedNotice(worldDir: string): string {
  return `SIMULATED: this run uses the ratify-runbook sandbox (${worldDir}), not Azure. Nothing was created in any subscription.`;
}

function banner(io: Io, resumed: boolean, ledger: LedgerData, profile: CloudProfile, stateDir: string, notice: string | undefined): void {
  if (notice) writeLine(io.stderr, chalkFor(io, io.stderr).bold(`⚠ ${notice}`));
  const done = Object.values(ledger.steps).filter((r) => r.status === 'done').length;
  writeLine(
    io.stderr,
    resumed
      ? `Resuming run ${ledger.runId} against ${profile.description}: ${done} step(s) already done. State: ${stateDir}`
      : `Starting run ${ledger.runId} against ${profile.description}. State: ${stateDir}`,
  );
}
