/**
 * A fake StepContext for the step unit tests: the command runner records every argv and
 * answers from a script keyed by argv prefix; the Azure reader answers from a map of ids.
 * Plan mode mimics the engine's recording runner (probe -> exit 3, capture -> placeholder).
 */
import { CommandFailedError, type CommandOptions, type CommandResult } from '../../runner/command-types.js';
import type { PlanAssumptions } from '../../runner/step.js';
import type { AnswerKey, Answers } from '../../kernel/answer-keys.js';
import { recordingAzure, recordingKube } from '../../runner/reads.js';
import type { ArmResource, KubeObject, Outputs, StepContext, TeardownContext } from '../../runner/step.js';
import type { CreatedResource, PendingCreate } from '../../kernel/created-resource.js';

export interface ScriptedResult {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface ScriptEntry {
  /** Leading argv elements (e.g. ['az', 'keyvault', 'show']). */
  readonly prefix: readonly string[];
  /** Further elements that must appear anywhere in argv (e.g. ['--query', 'kid']). */
  readonly has?: readonly string[];
  /** One result, or a list answered in turn (the last one repeats). */
  readonly result: ScriptedResult | readonly ScriptedResult[] | ((argv: readonly string[]) => ScriptedResult);
}

export interface RecordedCall {
  readonly argv: readonly string[];
  readonly options: CommandOptions;
  /** A read done in-process (ARM SDK, cluster API), recorded as the command it shows. */
  readonly inProcess?: boolean;
}

export interface FakeOptions {
  readonly stepId: string;
  readonly mode?: 'run' | 'plan';
  readonly answers?: Partial<Answers>;
  /** stepId -> outputs of earlier steps. */
  readonly outputs?: Readonly<Record<string, Outputs>>;
  readonly script?: readonly ScriptEntry[];
  /** ARM id (case-insensitive) -> resource, or what successive reads find (the last one repeats). */
  readonly azure?: Readonly<Record<string, ArmResource | readonly (ArmResource | undefined)[]>>;
  /** ARM collection path (case-insensitive, with `?$filter` when one is given) -> its members (now). */
  readonly azureLists?: Readonly<Record<string, readonly ArmResource[] | (() => readonly ArmResource[])>>;
  /** The state dir's kubeconfig current context (undefined: none yet). */
  readonly kubeContext?: string;
  /** Who the ARM token names (preflight). */
  readonly caller?: { readonly objectId: string; readonly type: 'User' | 'ServicePrincipal' };
  /**
   * The cluster: `<plural>` or `<plural>/<namespace>` -> its objects (a missing key reads as a
   * type the server does not serve). Each list answers in turn (the last one repeats).
   */
  readonly kube?: Readonly<Record<string, readonly (readonly KubeObject[])[]>>;
  /** Answers to confirm() by question substring; default: the non-interactive answer. */
  readonly confirmations?: Readonly<Record<string, boolean>>;
  readonly createdBefore?: readonly CreatedResource[];
  readonly recordedOutputs?: Outputs;
  readonly runId?: string;
  /** Plan mode: what the plan assumes (the machine's Helm, the cluster's sign-in). */
  readonly assumptions?: PlanAssumptions;
}

export interface Fake {
  readonly ctx: TeardownContext;
  readonly calls: RecordedCall[];
  readonly files: Map<string, string>;
  readonly created: CreatedResource[];
  /** Write-ahead records, in order. */
  readonly pending: PendingCreate[];
  /** 'willCreate <kind>' and 'run <argv>' in the order they happened: a create is announced before it runs. */
  readonly events: string[];
  readonly logs: string[];
  readonly confirmQuestions: string[];
  readonly armReads: string[];
  /** argv lists only (in-process reads as the commands they show). */
  argvs(): string[][];
  /** argv lists of the commands started as processes. */
  processes(): string[][];
  /** argv lists of mutating commands. */
  mutating(): string[][];
}

export const SUB = '00000000-1111-2222-3333-444444444444';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function matches(entry: ScriptEntry, argv: readonly string[]): boolean {
  if (!entry.prefix.every((word, i) => argv[i] === word)) return false;
  return (entry.has ?? []).every((word) => argv.includes(word));
}

export function fakeContext<N extends AnswerKey = AnswerKey>(options: FakeOptions): Fake & { ctx: TeardownContext & StepContext<N> } {
  const mode = options.mode ?? 'run';
  const calls: RecordedCall[] = [];
  const files = new Map<string, string>();
  const created: CreatedResource[] = [];
  const pending: PendingCreate[] = [];
  const events: string[] = [];
  const logs: string[] = [];
  const confirmQuestions: string[] = [];
  const armReads: string[] = [];
  const turns = new Map<ScriptEntry, number>();
  const azure = new Map(Object.entries(options.azure ?? {}).map(([id, r]) => [id.toLowerCase(), r]));
  const azureTurns = new Map<string, number>();
  const azureLists = new Map(Object.entries(options.azureLists ?? {}).map(([path, r]) => [path.toLowerCase(), r]));
  const kubeTurns = new Map<string, number>();
  const kubeTurn = (key: string): readonly KubeObject[] | undefined => {
    const answers = options.kube?.[key];
    if (!answers) return undefined;
    const turn = kubeTurns.get(key) ?? 0;
    kubeTurns.set(key, turn + 1);
    return answers[Math.min(turn, answers.length - 1)];
  };
  let now = Date.parse('2025-05-01T10:00:00Z');
  const clock = {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  // In-process reads are recorded like commands, as the command they show (what the notebook gets).
  const reads = {
    mode,
    clock,
    signal: new AbortController().signal,
    log: (line: string) => logs.push(line),
    emit: (e: { argv: readonly string[]; capture?: string; probe?: boolean }) =>
      calls.push({
        argv: [...e.argv],
        options: { mutates: false, ...(e.capture ? { capture: e.capture } : {}), ...(e.probe ? { probe: true } : {}) },
        inProcess: true,
      }),
  };

  const cmd = {
    async run(argv: readonly string[], opts: CommandOptions): Promise<CommandResult> {
      calls.push({ argv: [...argv], options: opts });
      events.push(`run ${argv.join(' ')}`);
      if (mode === 'plan') {
        const stdout = opts.probe ? '' : (opts.planStdout ?? (opts.capture ? `<${options.stepId}.${opts.capture}>` : ''));
        return { argv, exitCode: opts.probe ? 3 : 0, stdout, stderr: '', ms: 0, planned: true };
      }
      const entry = (options.script ?? []).find((e) => matches(e, argv));
      let scripted: ScriptedResult = {};
      if (entry) {
        if (typeof entry.result === 'function') scripted = entry.result(argv);
        else if (Array.isArray(entry.result)) {
          const list = entry.result as readonly ScriptedResult[];
          const turn = turns.get(entry) ?? 0;
          turns.set(entry, turn + 1);
          scripted = list[Math.min(turn, list.length - 1)] ?? {};
        } else scripted = entry.result as ScriptedResult;
      }
      const result: CommandResult = {
        argv,
        exitCode: scripted.exitCode ?? 0,
        stdout: scripted.stdout ?? '',
        stderr: scripted.stderr ?? '',
        ms: 1,
        planned: false,
      };
      if (result.exitCode !== 0 && !opts.allowFailure) {
        throw new CommandFailedError(result, `${argv.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
      }
      return result;
    },
  };

  const ctx: TeardownContext = {
    stepId: options.stepId,
    mode,
    assumptions: options.assumptions ?? {},
    answers: (options.answers ?? {}) as Answers,
    output(stepId, name) {
      const value = options.outputs?.[stepId]?.[name];
      if (value !== undefined) return value;
      if (mode === 'plan') return `<${stepId}.${name}>`;
      throw new Error(`missing output ${stepId}.${name}`);
    },
    runTag: `ratify-runbook-run=${options.runId ?? 'run1'}`,
    cmd,
    azure: recordingAzure(
      {
        async getById(id) {
          armReads.push(id);
          const found = azure.get(id.toLowerCase());
          if (!Array.isArray(found)) return found as ArmResource | undefined;
          const turn = azureTurns.get(id.toLowerCase()) ?? 0;
          azureTurns.set(id.toLowerCase(), turn + 1);
          return found[Math.min(turn, found.length - 1)];
        },
        async list(path, _apiVersion, opts) {
          const key = `${path}${opts?.filter ? `?$filter=${opts.filter}` : ''}`.toLowerCase();
          armReads.push(key);
          const members = azureLists.get(key) ?? [];
          return [...(typeof members === 'function' ? members() : members)];
        },
        async listTagged(subscriptionId, name, value) {
          armReads.push(`tagged ${subscriptionId} ${name}=${value}`);
          return [...azure.values()].filter((r): r is ArmResource => !Array.isArray(r) && (r as ArmResource).tags?.[name] === value);
        },
        caller: async () => options.caller,
      },
      reads,
    ),
    kube: recordingKube(
      {
        currentContext: async () => options.kubeContext,
        async list(_kubeconfig, r, q) {
          const items = kubeTurn(q.namespace && r.namespaced ? `${r.plural}/${q.namespace}` : r.plural);
          return items && { items: [...items], resourceVersion: '1' };
        },
        async get(_kubeconfig, r, name, namespace) {
          return kubeTurn(namespace && r.namespaced ? `${r.plural}/${namespace}` : r.plural)?.find((o) => o.metadata.name === name);
        },
        watch: () => ({ ended: Promise.resolve(), stop: () => {} }),
      },
      '/state/kubeconfig',
      reads,
    ),
    paths: { stateDir: '/state', kubeconfig: '/state/kubeconfig', logsDir: '/state/logs' },
    async writeFile(rel, content) {
      files.set(rel, content);
      return `/state/${rel}`;
    },
    log: (line) => logs.push(line),
    clock,
    signal: new AbortController().signal,
    created: async (r) => {
      created.push(r);
      events.push(`created ${r.kind}`);
    },
    willCreate: async (p) => {
      pending.push(p);
      events.push(`willCreate ${p.kind}`);
    },
    async confirm(question, nonInteractiveAnswer) {
      confirmQuestions.push(question);
      const key = Object.keys(options.confirmations ?? {}).find((k) => question.includes(k));
      return key === undefined ? nonInteractiveAnswer : (options.confirmations?.[key] ?? nonInteractiveAnswer);
    },
    async waitFor(what, probe, opts) {
      const started = now;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (now - started >= opts.timeoutMs) throw new Error(`Gave up waiting for ${what}`);
        now += opts.intervalMs;
      }
    },
    createdBefore: options.createdBefore ?? [],
    recordedOutputs: options.recordedOutputs ?? {},
  };

  return {
    ctx: ctx,
    calls,
    files,
    created,
    pending,
    events,
    logs,
    confirmQuestions,
    armReads,
    argvs: () => calls.map((c) => [...c.argv]),
    processes: () => calls.filter((c) => !c.inProcess).map((c) => [...c.argv]),
    mutating: () => calls.filter((c) => c.options.mutates).map((c) => [...c.argv]),
  };
}

/** The az argv a step builds: `az <args> --subscription <SUB>`. */
export function azArgv(...args: string[]): string[] {
  return ['az', ...args, '--subscription', SUB];
}
