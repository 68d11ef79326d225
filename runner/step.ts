import type { AnswerKey, BooleanAnswerKey, StepAnswers } from '../kernel/answer-keys.js';
import type { Clock } from '../kernel/clock.js';
import type { CreatedResource, PendingCreate } from '../kernel/created-resource.js';
import type { CommandRunner, ShellTest } from './command-types.js';

/** Every output value is a string (the ledger stores them as such): ids, URIs, versions, "true"/"false". */
export type Outputs = Readonly<Record<string, string>>;

/** A generic ARM resource as @azure/arm-resources returns it. */
export interface ArmResource {
  readonly id?: string;
  readonly name?: string;
  readonly type?: string;
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly properties?: unknown;
}

/**
 * A command a person would type to see what an in-process read saw. `capture`: the output it
 * stands for (a plan's shell script assigns it); `probe`: a "does it exist?" read.
 */
export interface ShownCommand {
  readonly argv: readonly string[];
  readonly capture?: string;
  readonly probe?: boolean;
}

/** Every in-process read shows as commands in the notebook and in plans (default: a generic one). */
export interface ReadOptions {
  readonly shows?: readonly string[] | readonly ShownCommand[];
}

/** Existence checks that one ARM GET answers: one HTTP call instead of starting an az process. */
export interface AzureReader {
  /** undefined when the resource does not exist (404). */
  getById(resourceId: string, apiVersion: string, options?: ReadOptions): Promise<ArmResource | undefined>;
  /** Resource groups and resources of a subscription whose tag `name` is `value` (ARM's `$filter`). */
  listTagged(subscriptionId: string, name: string, value: string, options?: ReadOptions): Promise<ArmResource[]>;
  /** A collection at an ARM path (every page), e.g. a scope's role assignments with `filter`. */
  list(path: string, apiVersion: string, options?: ReadOptions & { readonly filter?: string }): Promise<ArmResource[]>;
  /** Who the ARM calls run as: the object id and kind in the token they carry (no Graph call). */
  caller(options?: ReadOptions): Promise<Caller | undefined>;
}

export interface Caller {
  readonly objectId: string;
  readonly type: 'User' | 'ServicePrincipal';
}

/** A Kubernetes resource type as the API serves it (`group` '' is the core group). */
export interface KubeResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly [k: string]: unknown;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
  readonly [k: string]: unknown;
}

export interface KubeQuery {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * The cluster's API, read in-process with the state dir's kubeconfig (what kubectl would read,
 * without starting it). undefined: the object is missing, or its type is not served (yet).
 */
export interface KubeReader {
  /** The kubeconfig's current context (undefined: no kubeconfig yet). */
  currentContext(options?: ReadOptions): Promise<string | undefined>;
  list(resource: KubeResource, query?: KubeQuery, options?: ReadOptions): Promise<KubeObject[] | undefined>;
  get(resource: KubeResource, name: string, namespace?: string, options?: ReadOptions): Promise<KubeObject | undefined>;
  /**
   * Lists, then watches, until `done` returns a value (given the objects that match now, or
   * undefined while the type is not served); shows the elapsed time; throws after timeoutMs.
   * A plan reads nothing and returns `planned`.
   */
  waitFor<T>(
    what: string,
    resource: KubeResource,
    query: KubeQuery,
    done: (objects: readonly KubeObject[] | undefined) => T | undefined,
    options: WaitOptions & ReadOptions & { readonly planned: T },
  ): Promise<T>;
}

/** What the engine injects for KubeReader: the API calls themselves (client-node in the CLI). */
export interface KubeApi {
  currentContext(kubeconfig: string): Promise<string | undefined>;
  list(
    kubeconfig: string,
    resource: KubeResource,
    query: KubeQuery,
  ): Promise<{ readonly items: KubeObject[]; readonly resourceVersion: string } | undefined>;
  get(kubeconfig: string, resource: KubeResource, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Streams changes after `resourceVersion` until stopped or the server ends the watch. */
  watch(
    kubeconfig: string,
    resource: KubeResource,
    query: KubeQuery,
    resourceVersion: string,
    onChange: (type: string, object: KubeObject) => void,
  ): WatchHandle;
}

export interface WatchHandle {
  /** Resolves when the watch ends (the server closed it, or stop()). */
  readonly ended: Promise<void>;
  stop(): void;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Shown with the elapsed time while waiting, e.g. "the add-on syncs every 15 minutes". */
  note?: string;
  /** For the exported script: the wait is over when these tests hold (what the probe checks, in shell). */
  until?: readonly ShellTest[];
}

/**
 * Facts about the machine and the world that change the commands, which a plan cannot read:
 * it assumes them (the machine's Helm, or Helm 4; a cluster with local accounts), and the
 * exported script tests them itself.
 */
export interface PlanAssumptions {
  /** What `helm version --template '{{.Version}}'` prints. */
  readonly helmVersion?: string;
  /** 'true' when the cluster signs in with Entra ID (aadProfile.managed). */
  readonly entraId?: string;
}

export interface StepPaths {
  readonly stateDir: string;
  /** The state dir's own kubeconfig (never ~/.kube/config). */
  readonly kubeconfig: string;
  readonly logsDir: string;
}

export interface StepContext<N extends AnswerKey = AnswerKey> {
  readonly stepId: string;
  readonly mode: 'run' | 'plan';
  /** In plan mode, what the plan assumes about the machine and world; empty in a run. */
  readonly assumptions: PlanAssumptions;
  /**
   * The answers the step declared in `needs`. Optional ones (subscriptionId, location) may be
   * undefined: a step that needs the resolved subscription reads preflight's output instead.
   */
  readonly answers: StepAnswers<N>;
  /**
   * An earlier step's output, e.g. output('key-vault', 'vaultUri'). In plan mode a value not
   * known before running is the placeholder `<key-vault.vaultUri>`.
   */
  output(stepId: string, name: string): string;
  /** The tag every created resource carries: `ratify-runbook-run=<runId>`. */
  readonly runTag: string;
  readonly cmd: CommandRunner;
  readonly azure: AzureReader;
  readonly kube: KubeReader;
  readonly paths: StepPaths;
  /**
   * Writes a generated file (values file, policy JSON, cert policy) under the state dir and
   * returns its absolute path; `plan` lists these files with their content.
   */
  writeFile(relativePath: string, content: string): Promise<string>;
  /** A progress line under the step (shown by the renderer, kept in the notebook). */
  log(line: string): void;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Records a resource this step created (ledger -> teardown by id); resolves once saved. */
  created(resource: CreatedResource): Promise<void>;
  /**
   * Write-ahead: records what the next mutating command may create, with the guard that finds
   * it, and saves the ledger before resolving. Call it right before the command, and only when
   * the read before it found nothing: so a crash in between never loses the resource.
   */
  willCreate(pending: PendingCreate): Promise<void>;
  /** Yes/no question; non-interactive runs get `nonInteractiveAnswer` without prompting. */
  confirm(question: string, nonInteractiveAnswer: boolean): Promise<boolean>;
  /** Polls `probe` until it returns a value; shows the elapsed time; throws after timeoutMs. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T>;
}

export interface TeardownContext extends StepContext {
  /** What the ledger says this step created, in creation order, whatever the answers say now. */
  readonly createdBefore: readonly CreatedResource[];
  /** The outputs this step recorded when it succeeded. */
  readonly recordedOutputs: Outputs;
}

export interface Step<N extends AnswerKey = AnswerKey> {
  /** Stable forever: the ledger key. */
  readonly id: string;
  /** Imperative, shown in progress: "Create the Key Vault". */
  readonly title: string;
  /** Markdown: what and why, shown before the step in guided mode and in the notebook. */
  readonly explain: string;
  /** Answer keys read (only these are asked for, and a change to one re-checks the step). */
  readonly needs: readonly N[];
  /** Ids of steps whose outputs this one reads; steps with no path between them may overlap. */
  readonly after: readonly string[];
  /** Output names recorded in the ledger. */
  readonly produces: readonly string[];
  /** Read-only steps (preflight) run every time, even when done. */
  readonly rerunEveryTime?: boolean;
  /**
   * The step applies only when this yes/no answer is true; otherwise it is skipped as not
   * applicable (recorded as `skipped` with `otherwise` as the reason; the steps after it still run).
   */
  readonly onlyWhen?: { readonly answer: Extract<N, BooleanAnswerKey>; readonly otherwise: string };
  /** Read-only: returns the outputs when the work is already done, else undefined. */
  check(ctx: StepContext<N>): Promise<Outputs | undefined>;
  /** Does the work; safe to repeat (show before create). Returns the outputs. */
  run(ctx: StepContext<N>): Promise<Outputs>;
  /** Removes what this step created (by recorded id). */
  teardown?(ctx: TeardownContext): Promise<void>;
  /**
   * What the step proved, in a sentence or two for the end-of-run summary, from the outputs
   * recorded in the ledger (its own and earlier steps'). Only steps with a payoff to show have one.
   */
  payoff?(outputOf: (stepId: string, name: string) => string | undefined): readonly string[];
  /** Known failure messages -> the fix to show under the failed step (docs/troubleshooting.md). */
  readonly knownFailures?: readonly KnownFailure[];
  /**
   * For the exported script: bash lines that set an output the step works out in code (a
   * hash, a parsed version), given the output's variable name. Placeholders such as
   * <answers.aksName> in them become variables; build commands with shellLine().
   */
  readonly shell?: Readonly<Record<string, (variable: string) => readonly string[]>>;
  /**
   * For the exported script, when it must differ from `run` (verify checks admission with
   * server-side dry runs, so running the script twice changes nothing). Recorded in plan mode.
   */
  script?(ctx: StepContext<N>): Promise<void>;
}

/** A link into the repository's troubleshooting guide, e.g. `docs/troubleshooting.md#helm-repo-404`. */
export type TroubleshootingLink = `docs/troubleshooting.md#${string}`;

export interface KnownFailure {
  /** Matched against the failure's message and the failed command's output. */
  readonly match: RegExp;
  /** What to do, in one or two sentences (Markdown: `code`). */
  readonly hint: string;
  /** The entry with the full message, cause and fix; printed after the hint. */
  readonly see: TroubleshootingLink;
}

/** Identity helper so literal types flow (citty's defineCommand). */
export function defineStep<const N extends AnswerKey>(step: Step<N>): Step<N> {
  return step;
}
