import { join } from 'node:path';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import type { AnswerKey, Answers } from '../../kernel/answer-keys.js';
import { saveAnswers } from '../../prompts/answers-file.js';
import { collectAnswers, isInteractive } from '../../prompts/collect-answers.js';
import { createInquirerPrompter, isPromptInterrupted, type Prompter } from '../../prompts/prompter.js';
import type { CloudProfile } from '../../kernel/cloud-profile.js';
import type { ProgressView } from '../../runner/progress.js';
import { runEngine } from '../../runner/engine.js';
import { StepFailedError, UsageError } from '../../kernel/errors.js';
import { NOTEBOOK_FILE, writeNotebook } from '../../runner/notebook.js';
import { findStep, fromOnward } from '../../runner/step-graph.js';
import type { Step } from '../../runner/step.js';
import { flag, listOption, option, parseCommandArgs, stringOption } from '../args.js';
import { openCloudProfile, sandboxFlags, type SandboxFlags } from '../cloud-profiles.js';
import { createGuidedGate } from '../guided-gate.js';
import { useColor, writeLine, type Io } from '../../kernel/io.js';
import { printable } from '../../kernel/printable.js';
import { openStateDir, stateDirOf } from '../state-dir.js';
import { statusJson } from '../../runner/status-json.js';
import { systemClock } from '../system-clock.js';
import { engineContext } from '../engine-context.js';
import { createProgressView } from '../views/create-view.js';

export default async function runCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('run', args, {
    ...option.answers,
    ...option.set,
    ...option.stateDir,
    from: { type: 'string' },
    only: { type: 'string' },
    serial: { type: 'boolean' },
    ...option.yes,
    ...option.nonInteractive,
    ...option.sandbox,
    ...option.json,
    ...option.help,
  });
  return runRunbook(io, {
    stateDir: stateDirOf(io, parsed),
    answersFile: stringOption(parsed, 'answers'),
    sets: listOption(parsed, 'set'),
    from: stringOption(parsed, 'from'),
    only: stringOption(parsed, 'only'),
    serial: flag(parsed, 'serial'),
    interactive: isInteractive({ stdinIsTTY: io.stdin.isTTY, env: io.env, nonInteractive: flag(parsed, 'non-interactive'), yes: flag(parsed, 'yes') }),
    sandbox: sandboxFlags(parsed),
    json: flag(parsed, 'json'),
  });
}

export interface RunOptions {
  readonly stateDir: string;
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
  const state = await openStateDir(io, { stateDir, command: `ratify-runbook run`, target: sandbox ? { kind: 'sandbox' } : { kind: 'azure' }, clock });
  let profile: CloudProfile | undefined;
  try {
    const prompter = interactive ? createInquirerPrompter({ input: io.stdin, output: io.stderr, signal: io.signal }) : undefined;
    const collected = await collectAnswers({
      cwd: io.cwd,
      needed: neededAnswers(steps, state.ledger, from, only),
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

    profile = await openCloudProfile(stateDir, sandbox, answers, options.worldDir);
    const notice = profile.kind === 'sandbox' ? simulatedNotice(options.worldDir ?? join(stateDir, 'sandbox')) : undefined;
    banner(io, state.existed, state.ledger, profile, stateDir, notice);
    const store = new LedgerStore(stateDir, state.ledger, clock, (data) => writeNotebook(stateDir, data, steps, notice));
    const view = await createProgressView(io, clock);
    try {
      const result = await runEngine({
        steps,
        store,
        signal: io.signal,
        view,
        from,
        only,
        serial: options.serial,
        wallClock: clock,
        gate: interactive && prompter ? createGuidedGate(io.stderr, prompter, emphasis(io)) : undefined,
        context: engineContext(io, stateDir, answers, profile, confirmer(prompter, view, io)),
      });
      if (result.outcome === 'quit') {
        writeLine(io.stderr, `Stopped at your request. Run \`ratify-runbook run\` again to continue. Notebook: ${join(stateDir, NOTEBOOK_FILE)}`);
      } else {
        writeLine(io.stderr, `✔ All steps done. Notebook: ${join(stateDir, NOTEBOOK_FILE)}`);
      }
    } catch (error) {
      if (error instanceof StepFailedError) {
        writeLine(io.stderr, `  Log: ${join(stateDir, state.ledger.steps[error.stepId]?.logs.at(-1) ?? 'logs')}`);
        writeLine(io.stderr, `  Notebook: ${join(stateDir, NOTEBOOK_FILE)}`);
        writeLine(io.stderr, `  Fix the cause, then run the same command again: it resumes at "${error.stepId}".`);
      }
      throw error;
    } finally {
      recordAzureTarget(state.ledger);
      await store.save();
      if (options.json) io.stdout.write(statusJson(state.ledger, steps));
    }
    return 0;
  } finally {
    await profile?.close();
    await state.release();
  }
}

/** Only the questions of steps still to run are asked (DESIGN, issue 2 item 6). */
export function neededAnswers(steps: readonly Step[], ledger: LedgerData, from?: string, only?: string): AnswerKey[] {
  const forced = only ? new Set([only]) : from ? fromOnward(steps, from) : new Set<string>();
  const toRun = steps.filter(
    (step) => (only ? forced.has(step.id) : true) && (forced.has(step.id) || step.rerunEveryTime || ledger.steps[step.id]?.status !== 'done'),
  );
  return [...new Set(toRun.flatMap((step) => step.needs as readonly AnswerKey[]))];
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

/**
 * A step's yes/no question: asked under the live renderer when it hosts prompts, else directly.
 * Ctrl-C at the question (a key press there, not a signal) stops the whole run like a Ctrl-C.
 */
function confirmer(prompter: Prompter | undefined, view: ProgressView, io: Io) {
  return async (question: string, nonInteractiveAnswer: boolean, stepId: string) => {
    if (!prompter) return nonInteractiveAnswer;
    try {
      if (view.confirm) return await view.confirm(stepId, question, nonInteractiveAnswer);
      return await prompter.confirm({ key: `confirm:${stepId}`, message: question, default: nonInteractiveAnswer });
    } catch (error) {
      if (isPromptInterrupted(error)) io.interrupt?.('SIGINT');
      throw error;
    }
  };
}

export function simulatedNotice(worldDir: string): string {
  return `SIMULATED: this run uses the ratify-runbook sandbox (${worldDir}), not Azure. Nothing was created in any subscription.`;
}

function banner(io: Io, resumed: boolean, ledger: LedgerData, profile: CloudProfile, stateDir: string, notice: string | undefined): void {
  if (notice) writeLine(io.stderr, emphasis(io)(`⚠ ${notice}`));
  const done = Object.values(ledger.steps).filter((r) => r.status === 'done').length;
  writeLine(
    io.stderr,
    resumed
      ? `Resuming run ${ledger.runId} against ${profile.description}: ${done} step(s) already done. State: ${stateDir}`
      : `Starting run ${ledger.runId} against ${profile.description}. State: ${stateDir}`,
  );
}

function emphasis(io: Io): (s: string) => string {
  return useColor(io) ? (s) => `\u001b[1m${s}\u001b[22m` : (s) => s;
}
