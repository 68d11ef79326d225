import { delimiter } from 'node:path';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { CommandFailedError, type CommandOptions, type CommandResult, type CommandRunner } from './command-types.js';
import { execWithZx, type Exec } from './exec-process.js';
import type { Redactor } from './redact.js';
import type { Clock } from '../kernel/clock.js';
import { appendStepLog } from './step-log.js';

/** What every sink (ledger, notebook, plan) learns about a command; argv and output redacted. */
export interface CommandEvent {
  readonly stepId: string;
  readonly attempt: number;
  readonly argv: readonly string[];
  readonly mutates: boolean;
  readonly exitCode: number;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly planned: boolean;
  readonly options: Pick<
    CommandOptions,
    'capture' | 'guardedBy' | 'done' | 'probe' | 'secretOutput' | 'env' | 'secretEnv' | 'stdin' | 'allowFailure'
  >;
}

export interface CommandRunnerDeps {
  readonly mode: 'run' | 'plan';
  readonly stepId: string;
  readonly attempt: number;
  /** The environment children inherit (injected: process.env in the CLI). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly profile: Pick<CloudProfile, 'toolPath' | 'toolEnv'>;
  readonly kubeconfig: string;
  readonly cwd: string;
  readonly redactor: Redactor;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** logs/<step>.<attempt>.log; every command and its (redacted) output is appended. */
  readonly logFile?: string;
  readonly onCommand: (event: CommandEvent) => void;
  /** A retry is about to happen (shown under the step). */
  readonly onRetry?: (message: string) => void;
  readonly exec?: Exec;
  readonly defaultTimeoutMs?: number;
  /**
   * The cloud profile's time scale: against a sandbox that runs Azure's durations 100x faster,
   * a command that hangs is given up on correspondingly sooner (never under 30 s).
   */
  readonly timeScale?: number;
}

const TEN_MINUTES = 10 * 60_000;
const MIN_SCALED_TIMEOUT = 30_000;

function timeoutFor(deps: CommandRunnerDeps, options: CommandOptions): number {
  const ms = options.timeoutMs ?? deps.defaultTimeoutMs ?? TEN_MINUTES;
  const scale = deps.timeScale;
  return scale === undefined || scale >= 1 ? ms : Math.max(MIN_SCALED_TIMEOUT, Math.round(ms * scale));
}

export function createCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  const exec = deps.exec ?? execWithZx;
  // The environment every command of this step shares (copying process.env is not free).
  let base: Readonly<Record<string, string>> | undefined;
  return {
    async run(argv, options) {
      if (argv.length === 0) throw new Error('A command needs at least the program name.');
      // A plan's secret env values are placeholders such as <step.registryToken>, not secrets.
      if (deps.mode === 'plan') return planned(deps, argv, options);
      for (const name of options.secretEnv ?? []) deps.redactor.add(options.env?.[name]);

      const env = { ...(base ??= childEnv(deps)), ...options.env };
      const started = deps.clock.now().getTime();
      let delay = options.retry?.initialDelayMs ?? 2_000;
      for (let attempt = 1; ; attempt++) {
        const result = await runOnce(deps, exec, argv, options, env);
        if (result.exitCode === 0) return result;
        const kind = options.retry?.classify(result);
        const spent = deps.clock.now().getTime() - started;
        if (kind && options.retry && spent + delay <= options.retry.maxMs) {
          deps.onRetry?.(
            `${argv.slice(0, 3).join(' ')} failed (${kind}: ${firstLine(deps.redactor.redact(result.stderr))}); retry ${attempt} in ${Math.round(delay / 1000)}s`,
          );
          await deps.clock.sleep(delay, deps.signal);
          delay = Math.min(delay * 2, options.retry.maxDelayMs ?? 60_000);
          continue;
        }
        if (options.allowFailure) return result;
        throw new CommandFailedError(result, failureMessage(deps.redactor, result));
      }
    },
  };
}

async function runOnce(
  deps: CommandRunnerDeps,
  exec: Exec,
  argv: readonly string[],
  options: CommandOptions,
  env: Record<string, string>,
): Promise<CommandResult> {
  const started = deps.clock.now().getTime();
  const raw = await exec({
    argv,
    env,
    cwd: options.cwd ?? deps.cwd,
    input: options.stdin,
    timeoutMs: timeoutFor(deps, options),
    signal: deps.signal,
  });
  const ms = deps.clock.now().getTime() - started;
  if (raw.killedBy === 'abort' || deps.signal.aborted) {
    throw Object.assign(new Error(`Interrupted while running ${argv[0]}`), { name: 'AbortError' });
  }
  if (options.secretOutput && raw.exitCode === 0) deps.redactor.add(raw.stdout);
  const stderr =
    raw.killedBy === 'timeout'
      ? `${raw.stderr}\nratify-runbook: killed after ${Math.round(timeoutFor(deps, options) / 1000)}s without an answer (timeout)`
      : raw.stderr;
  const result: CommandResult = { argv, exitCode: raw.exitCode, stdout: raw.stdout, stderr, ms, planned: false };
  const event: CommandEvent = {
    stepId: deps.stepId,
    attempt: deps.attempt,
    argv: deps.redactor.redactArgv(argv),
    mutates: options.mutates,
    exitCode: raw.exitCode,
    ms,
    stdout: options.secretOutput ? '***' : deps.redactor.redact(raw.stdout),
    stderr: deps.redactor.redact(stderr),
    planned: false,
    // Never the child's environment or stdin: they may carry the registry token.
    options: {
      capture: options.capture,
      guardedBy: options.guardedBy,
      done: options.done,
      probe: options.probe,
      secretOutput: options.secretOutput,
    },
  };
  deps.onCommand(event);
  if (deps.logFile) await appendStepLog(deps.logFile, logEntry(event));
  return result;
}

function planned(deps: CommandRunnerDeps, argv: readonly string[], options: CommandOptions): CommandResult {
  // A plan assumes a fresh world: existence probes find nothing; captured values are
  // placeholders named after the output they become.
  const stdout = options.planStdout ?? (options.capture ? `<${deps.stepId}.${options.capture}>` : '');
  const exitCode = options.probe ? 3 : 0;
  deps.onCommand({
    stepId: deps.stepId,
    attempt: deps.attempt,
    argv: deps.redactor.redactArgv(argv),
    mutates: options.mutates,
    exitCode,
    ms: 0,
    stdout: '',
    stderr: '',
    planned: true,
    options,
  });
  return { argv, exitCode, stdout: options.probe ? '' : stdout, stderr: '', ms: 0, planned: true };
}

/** The child's environment: the tools of the cloud profile first on PATH, its env, our kubeconfig. */
function childEnv(deps: CommandRunnerDeps): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(deps.baseEnv)) if (value !== undefined) env[key] = value;
  const path = [...deps.profile.toolPath, env.PATH].filter(Boolean).join(delimiter);
  return {
    ...env,
    ...deps.profile.toolEnv,
    PATH: path,
    KUBECONFIG: deps.kubeconfig,
    RATIFY_RUNBOOK_STEP: deps.stepId,
  };
}

/** One command (or in-process read) as the step's log file shows it. */
export function logEntry(event: CommandEvent): string {
  return [
    `$ ${event.argv.join(' ')}`,
    event.stdout.trimEnd(),
    event.stderr ? `[stderr]\n${event.stderr.trimEnd()}` : '',
    `[exit ${event.exitCode} in ${event.ms} ms]`,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n')
    .concat('\n\n');
}

function failureMessage(redactor: Redactor, result: CommandResult): string {
  const command = redactor.redactArgv(result.argv).join(' ');
  const detail = redactor
    .redact(result.stderr || result.stdout)
    .trim()
    .split('\n')
    .slice(-12)
    .join('\n');
  const meaning = result.exitCode === 127 ? ' (command not found: is it installed and on PATH?)' : '';
  return `Command failed with exit code ${result.exitCode}${meaning}: ${command}${detail ? `\n${detail}` : ''}`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? '';
}
