import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pickStepAnswers, type Answers } from '../kernel/answer-keys.js';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { createCommandRunner, logEntry, type CommandEvent } from './command-runner.js';
import { formatDuration } from './duration.js';
import { appendStepLog } from './step-log.js';
import { recordingAzure, recordingKube, type ReadEvent } from './reads.js';
import type { Exec } from './exec-process.js';
import type { Redactor } from './redact.js';
import type { AzureReader, KubeApi, Outputs, PlanAssumptions, Step, StepContext, StepPaths, TeardownContext, WaitOptions } from './step.js';
import type { Clock } from '../kernel/clock.js';
import type { CreatedResource, PendingCreate } from '../kernel/created-resource.js';

export interface GeneratedFile {
  readonly stepId: string;
  readonly path: string;
  readonly content: string;
}

/** Everything shared by the contexts of one invocation. */
export interface ContextDeps {
  readonly mode: 'run' | 'plan';
  readonly stateDir: string;
  readonly runId: string;
  readonly answers: Partial<Answers>;
  readonly profile: Pick<CloudProfile, 'toolPath' | 'toolEnv' | 'timeScale'>;
  readonly azure: AzureReader;
  /** The cluster's API (client-node in the CLI), read with the state dir's kubeconfig. */
  readonly kube: KubeApi;
  readonly clock: Clock;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly redactor: Redactor;
  readonly exec?: Exec;
  /** stepId -> outputs recorded so far (the ledger's, or the plan's placeholders). */
  readonly outputsOf: (stepId: string) => Outputs | undefined;
  readonly confirm: (question: string, nonInteractiveAnswer: boolean, stepId: string) => Promise<boolean>;
  /** Plan mode only: what the plan assumes about the machine and the world. */
  readonly assumptions?: PlanAssumptions;
}

/** A wait as a plan records it: the commands its probe ran once, and the test that ends it. */
export interface PlannedWait {
  readonly stepId: string;
  readonly what: string;
  readonly options: WaitOptions;
}

export interface ContextHooks {
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly onCommand: (event: CommandEvent) => void;
  readonly onLog: (line: string) => void;
  /** Both resolve once the ledger is saved (no-ops in plan mode). */
  readonly onCreated: (resource: CreatedResource) => Promise<void>;
  readonly onWillCreate: (pending: PendingCreate) => Promise<void>;
  readonly onFile: (file: GeneratedFile) => void;
  /** Plan mode: a wait begins (its probe's commands follow) or ends. */
  readonly onWait?: (wait: PlannedWait | undefined) => void;
}

export function stepPaths(stateDir: string): StepPaths {
  const dir = resolve(stateDir);
  return { stateDir: dir, kubeconfig: join(dir, 'kubeconfig'), logsDir: join(dir, 'logs') };
}

export function createStepContext(step: Step, deps: ContextDeps, hooks: ContextHooks): StepContext {
  const paths = stepPaths(deps.stateDir);
  const logFile = deps.mode === 'run' ? join(paths.logsDir, `${step.id}.${hooks.attempt}.log`) : undefined;
  const cmd = createCommandRunner({
    mode: deps.mode,
    stepId: step.id,
    attempt: hooks.attempt,
    baseEnv: deps.baseEnv,
    profile: deps.profile,
    kubeconfig: paths.kubeconfig,
    cwd: paths.stateDir,
    redactor: deps.redactor,
    clock: deps.clock,
    signal: hooks.signal,
    logFile,
    onCommand: hooks.onCommand,
    onRetry: hooks.onLog,
    exec: deps.exec,
    timeScale: deps.profile.timeScale,
  });
  // In-process reads reach the notebook (and plans) as the commands a person would type.
  const reads = {
    mode: deps.mode,
    clock: deps.clock,
    signal: hooks.signal,
    log: (line: string) => hooks.onLog(deps.redactor.redact(line)),
    emit: (event: ReadEvent) => {
      const argv = deps.redactor.redactArgv(event.argv);
      const command: CommandEvent = {
        stepId: step.id,
        attempt: hooks.attempt,
        argv,
        mutates: false,
        exitCode: event.exitCode,
        ms: event.ms,
        stdout: deps.redactor.redact(event.stdout),
        stderr: deps.redactor.redact(event.stderr),
        planned: event.planned,
        // Reads never fail a run (absent is an answer): the exported script runs them only for what they capture.
        options: { ...(event.capture ? { capture: event.capture } : { allowFailure: true }), ...(event.probe ? { probe: true } : {}) },
      };
      hooks.onCommand(command);
      if (logFile) void appendStepLog(logFile, logEntry(command)).catch(() => {});
    },
    planWait: (what: string, options: WaitOptions, record: () => void) => {
      hooks.onWait?.({ stepId: step.id, what, options });
      try {
        record();
      } finally {
        hooks.onWait?.(undefined);
      }
    },
  };
  return {
    stepId: step.id,
    mode: deps.mode,
    assumptions: deps.mode === 'plan' ? (deps.assumptions ?? {}) : {},
    answers: pickStepAnswers(step.id, step.needs, deps.answers),
    runTag: `ratify-runbook-run=${deps.runId}`,
    cmd,
    azure: recordingAzure(deps.azure, reads),
    kube: recordingKube(deps.kube, paths.kubeconfig, reads),
    paths,
    clock: deps.clock,
    signal: hooks.signal,
    output(stepId, name) {
      const value = deps.outputsOf(stepId)?.[name];
      if (value !== undefined) return value;
      if (deps.mode === 'plan') return `<${stepId}.${name}>`;
      throw new Error(`Step "${step.id}" needs output "${name}" of step "${stepId}", which has not been recorded. Run "${stepId}" first.`);
    },
    async writeFile(relativePath, content) {
      const path = join(paths.stateDir, relativePath);
      hooks.onFile({ stepId: step.id, path: relativePath, content: deps.redactor.redact(content) });
      if (deps.mode === 'run') {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      }
      return path;
    },
    log: (line) => hooks.onLog(deps.redactor.redact(line)),
    created: (resource) => hooks.onCreated(resource),
    willCreate: (pending) => hooks.onWillCreate(pending),
    confirm: (question, nonInteractiveAnswer) =>
      deps.mode === 'plan' ? Promise.resolve(nonInteractiveAnswer) : deps.confirm(question, nonInteractiveAnswer, step.id),
    waitFor: (what, probe, options) =>
      deps.mode === 'plan'
        ? planWait(step.id, hooks, what, probe, options)
        : waitFor(deps.clock, hooks.signal, hooks.onLog, what, probe, options),
  };
}

export function createTeardownContext(
  step: Step,
  deps: ContextDeps,
  hooks: ContextHooks,
  createdBefore: readonly CreatedResource[],
  recordedOutputs: Outputs,
): TeardownContext {
  return { ...createStepContext(step, deps, hooks), createdBefore, recordedOutputs };
}

/** A plan probes once (its reads are planned, so it answers at once) and records the wait around it. */
async function planWait<T>(
  stepId: string,
  hooks: ContextHooks,
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  hooks.onWait?.({ stepId, what, options });
  try {
    const value = await probe();
    if (value === undefined) throw new Error(`A plan cannot wait for ${what}: its probe needs a real answer.`);
    return value;
  } finally {
    hooks.onWait?.(undefined);
  }
}

/** Polls with the elapsed time visible, so a 15-minute policy sync never looks like a hang. */
async function waitFor<T>(
  clock: Clock,
  signal: AbortSignal,
  log: (line: string) => void,
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  const started = clock.now().getTime();
  let lastLogged = -Infinity;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const elapsed = clock.now().getTime() - started;
    if (elapsed >= options.timeoutMs) {
      throw new Error(`Gave up waiting for ${what} after ${formatDuration(elapsed)}.${options.note ? ` ${options.note}` : ''}`);
    }
    // One progress line per (simulated) half minute: visible, without flooding a CI log.
    if (elapsed - lastLogged >= 30_000) {
      log(`waiting for ${what}: ${formatDuration(elapsed)} elapsed${options.note ? ` (${options.note})` : ''}`);
      lastLogged = elapsed;
    }
    await clock.sleep(Math.min(options.intervalMs, options.timeoutMs - elapsed), signal);
  }
}

export { formatDuration };
