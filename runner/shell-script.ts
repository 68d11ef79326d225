import { answerKeys, type AnswerKey, type Answers } from '../kernel/answer-keys.js';
import type { Clock } from '../kernel/clock.js';
import type { CommandEvent } from './command-runner.js';
import type { ShellTest } from './command-types.js';
import { planDeps, plannedOutputs, recordStep, type RecordedItem } from './plan.js';
import { skipText } from './progress-events.js';
import { whyNotApplicable } from './schedule.js';
import {
  FILES_VAR,
  placeholdersIn,
  RUN_ID_PLACEHOLDER,
  RUN_ID_VAR,
  shellLine,
  shellWord,
  STATE_DIR_PLACEHOLDER,
  substitute,
  variableFor,
} from './shell-words.js';
import type { GeneratedFile } from './step-context.js';
import type { Outputs, PlanAssumptions, Step } from './step.js';
import { verifyStepList } from './step-graph.js';

/**
 * `plan --format sh` / `export --format sh`: the runbook as a standalone bash script.
 *
 * Each step is planned with placeholder answers, so every word of every command knows the
 * answer or output it came from and becomes a variable (shell-words.ts). What a run decides by
 * reading the world becomes a test the script runs itself: every change sits behind the test
 * that says it is already made (`if ! <test>; then <change>; fi`), every wait is a bounded loop.
 * Where the commands depend on an answer (keyVaultAuth...) or on the machine and the cluster
 * (the Helm major, Entra ID sign-in), each step is planned both ways and the script branches.
 */
export interface ScriptOptions {
  readonly steps: readonly Step[];
  /** The values written at the top of the script (what the user edits). */
  readonly answers: Partial<Answers>;
  readonly runId: string;
  readonly clock: Clock;
  /** One line saying what the script was made from. */
  readonly origin: string;
}

interface Branch {
  readonly variable: string;
  readonly values: readonly string[];
  readonly comment: string;
  apply(input: PlanInput, value: string): PlanInput;
}

interface PlanInput {
  readonly answers: Partial<Answers>;
  readonly assumptions: PlanAssumptions;
}

const answerBranch = (key: AnswerKey, values: readonly string[], boolean = false): Branch => ({
  variable: variableFor('answers', key),
  values,
  comment: values.join(' | '),
  apply: (input, value) => ({ ...input, answers: { ...input.answers, [key]: boolean ? value === 'true' : value } }),
});

/** What changes the commands: four answers, and two facts the script finds out itself (preflight's outputs). */
const BRANCHES: readonly Branch[] = [
  answerBranch('createBaseResources', ['false', 'true'], true),
  answerBranch('cleanupImageIntegrity', ['true', 'false'], true),
  answerBranch('keyVaultAuth', ['rbac', 'access-policy']),
  answerBranch('policyEffect', ['Deny', 'Audit']),
  {
    variable: variableFor('preflight', 'helmMajor'),
    values: ['4', '3'],
    comment: 'the major of `helm version`',
    apply: (input, value) => ({ ...input, assumptions: { ...input.assumptions, helmVersion: value === '3' ? 'v3.0.0' : 'v4.0.0' } }),
  },
  {
    variable: variableFor('preflight', 'entraId'),
    values: ['false', 'true'],
    comment: "the cluster's aadProfile.managed",
    apply: (input, value) => ({ ...input, assumptions: { ...input.assumptions, entraId: value } }),
  },
];
const ANSWER_BRANCHES = new Set(['createBaseResources', 'cleanupImageIntegrity', 'keyVaultAuth', 'policyEffect']);

/** Answers the script works out when left empty, as a run does (the logged-in subscription, the resource group's region). */
const EMPTY_ANSWER_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  subscriptionId: ['az', 'account', 'show', '--query', 'id', '-o', 'tsv'],
  location: [
    'az',
    'group',
    'show',
    '-n',
    '<answers.resourceGroup>',
    '--subscription',
    '<answers.subscriptionId>',
    '--query',
    'location',
    '-o',
    'tsv',
  ],
};

type Combo = readonly string[];
/** One bash statement's lines (a heredoc is one element, so indenting never touches its body). */
type Statement = string[];

interface Planned {
  readonly items: RecordedItem[];
  readonly files: GeneratedFile[];
  readonly skipped?: string;
  readonly error?: string;
}

/** The script, or an Error when a step cannot be planned (a bug, not a user error). */
export async function exportShellScript(options: ScriptOptions): Promise<string> {
  verifyStepList(options.steps);
  const combos = product(BRANCHES.map((b) => b.values));
  const plans = new Map<string, Planned[]>();
  for (const combo of combos) plans.set(combo.join('|'), await planCombo(options, combo));

  const writer = new ScriptWriter(options.steps, combos, plans);
  return writer.write(options);
}

function product(lists: readonly (readonly string[])[]): Combo[] {
  return lists.reduce<Combo[]>((acc, values) => acc.flatMap((combo) => values.map((v) => [...combo, v])), [[]]);
}

async function planCombo(options: ScriptOptions, combo: Combo): Promise<Planned[]> {
  let input: PlanInput = { answers: placeholderAnswers(), assumptions: {} };
  BRANCHES.forEach((branch, i) => (input = branch.apply(input, combo[i] ?? '')));
  const outputs = new Map<string, Outputs>();
  const planned: Planned[] = [];
  for (const step of options.steps) {
    const notApplicable = whyNotApplicable(step, input.answers);
    if (notApplicable) {
      planned.push({ items: [], files: [], skipped: skipText(notApplicable) });
      continue;
    }
    const deps = planDeps({ ...input, stateDir: STATE_DIR_PLACEHOLDER, runId: RUN_ID_PLACEHOLDER, clock: options.clock }, outputs);
    const recorded = await recordStep(step, deps, true);
    if (recorded.error) throw new Error(`The script cannot be written: step "${step.id}" could not be planned: ${recorded.error}`);
    outputs.set(step.id, plannedOutputs(step, recorded.result));
    planned.push({ items: recorded.items, files: recorded.files });
  }
  return planned;
}

function placeholderAnswers(): Partial<Answers> {
  const answers: Record<string, string> = {};
  for (const key of answerKeys) if (!ANSWER_BRANCHES.has(key)) answers[key] = `<answers.${key}>`;
  return answers;
}

/** Renders the plans of every combination into one script. */
class ScriptWriter {
  /** Variables anything refers to. */
  private readonly used = new Set<string>();
  private readonly secretVars = new Map<string, string>();
  /** Non-secret environment the commands using a secret also get (NOTATION_USERNAME beside NOTATION_PASSWORD). */
  private readonly companions = new Map<string, Record<string, string>>();
  private readonly derived = new Set<string>();

  private readonly steps: readonly Step[];
  private readonly combos: readonly Combo[];
  private readonly plans: ReadonlyMap<string, Planned[]>;

  constructor(steps: readonly Step[], combos: readonly Combo[], plans: ReadonlyMap<string, Planned[]>) {
    this.steps = steps;
    this.combos = combos;
    this.plans = plans;
    for (const step of steps) for (const name of Object.keys(step.shell ?? {})) this.derived.add(`${step.id}.${name}`);
    this.collectUses();
  }

  /** Which placeholders anything refers to, and which env vars carry secret captures (NOTATION_PASSWORD). */
  private collectUses(): void {
    const note = (text: string) => {
      for (const ref of placeholdersIn(text)) this.used.add(ref === 'files.dir' ? FILES_VAR : variableOf(ref));
      for (const m of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)) this.used.add(m[1] ?? '');
    };
    for (const plan of this.plans.values()) {
      for (const step of plan) {
        for (const file of step.files) note(file.content);
        for (const event of events(step.items)) {
          [...event.argv, ...(event.options.guardedBy ?? []), event.options.stdin ?? ''].forEach(note);
          for (const test of event.options.done ?? []) testTexts(test).forEach(note);
          for (const [name, value] of Object.entries(event.options.env ?? {})) {
            note(value);
            const ref = /^<([a-z0-9-]+)\.([A-Za-z0-9]+)>$/.exec(value);
            if (ref && event.options.secretEnv?.includes(name)) {
              this.secretVars.set(`${ref[1]}.${ref[2]}`, name);
              const others = Object.entries(event.options.env ?? {}).filter(([other]) => !event.options.secretEnv?.includes(other));
              this.companions.set(`${ref[1]}.${ref[2]}`, { ...this.companions.get(`${ref[1]}.${ref[2]}`), ...Object.fromEntries(others) });
            }
          }
        }
        for (const item of step.items) if (item.kind === 'wait') for (const t of item.wait.options.until ?? []) testTexts(t).forEach(note);
      }
    }
    for (const step of this.steps) for (const derive of Object.values(step.shell ?? {})) derive('X').forEach(note);
    for (const branch of BRANCHES) this.used.add(branch.variable);
  }

  /** `answers.keyVaultName` or `key-vault.vaultUri`: does anything use its variable? */
  private isUsed(ref: string): boolean {
    return this.used.has(variableOf(ref));
  }

  write(options: ScriptOptions): string {
    const body: string[] = [];
    this.steps.forEach((step, index) => {
      body.push(`# === ${index + 1}. ${step.id}: ${step.title} ===`);
      // Outputs the step works out: the facts the script branches on first, the rest once the step's work is done.
      const derivations = Object.entries(step.shell ?? {}).filter(([name]) => this.isUsed(`${step.id}.${name}`));
      const tree = this.tree(index, this.combos).flat();
      const text = tree.join('\n');
      // Set before the step's commands when they (or the branches) use it, else after its work.
      type Derivation = [string, (variable: string) => readonly string[]];
      const derive = ([name, lines]: Derivation) => lines(variableFor(step.id, name)).map(substituteLine);
      const branchOrUsed = ([name]: Derivation) =>
        BRANCHES.some((b) => b.variable === variableFor(step.id, name)) || uses(text, step.id, name);
      const early = new Set(derivations.filter(branchOrUsed).map(([n]) => n));
      for (let grew = true; grew;) {
        grew = false;
        for (const d of derivations) {
          if (!early.has(d[0])) continue;
          for (const [other] of derivations) {
            if (early.has(other) || !uses(derive(d).join('\n'), step.id, other)) continue;
            early.add(other);
            grew = true;
          }
        }
      }
      body.push(...derivations.filter(([name]) => early.has(name)).flatMap(derive));
      body.push(...tree);
      body.push(...derivations.filter(([name]) => !early.has(name)).flatMap(derive), '');
    });
    return [...this.header(options), ...body, "echo 'ratify-runbook script: done.' >&2", ''].join('\n');
  }

  private header(options: ScriptOptions): string[] {
    const lines = [
      '#!/usr/bin/env bash',
      `# ratify-runbook: signed-image enforcement on AKS as a plain script (${options.origin}).`,
      '# Edit the values below. Every change runs only when its test says it is not made yet, and',
      '# every wait gives up after a while, so running the script again is safe and changes nothing.',
      'set -euo pipefail',
      '',
      '# --- values (edit these) ---',
    ];
    const answerUsed = (key: AnswerKey) => this.isUsed(`answers.${key}`) || ANSWER_BRANCHES.has(key);
    for (const key of answerKeys.filter(answerUsed)) {
      const branch = BRANCHES.find((b) => b.variable === variableFor('answers', key));
      const value = options.answers[key];
      const text = value === undefined ? '' : String(value);
      lines.push(`${variableFor('answers', key)}=${singleQuote(text)}${branch ? `  # ${branch.comment}` : ''}`);
    }
    lines.push(`${RUN_ID_VAR}=${singleQuote(options.runId)}  # marks what this script creates (tags, labels)`, '');
    lines.push('choice() { # NAME VALUE ALLOWED...: stop on a value the script has no branch for');
    lines.push('  local name=$1 value=$2; shift 2');
    lines.push('  for allowed in "$@"; do [[ ${value} == "${allowed}" ]] && return 0; done');
    lines.push('  echo "${name} is ${value}: it must be one of: $*" >&2; exit 2');
    lines.push('}');
    const facts = [variableFor('preflight', 'helmMajor'), variableFor('preflight', 'entraId')];
    for (const branch of BRANCHES.filter((b) => !facts.includes(b.variable))) {
      lines.push(`choice ${branch.variable} "\${${branch.variable}}" ${branch.values.join(' ')}`);
    }
    lines.push(
      '',
      '# Generated files (heredocs below) and the kubeconfig live in a folder next to this script.',
      `${FILES_VAR}="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)/ratify-runbook-files"`,
      `mkdir -p "\${${FILES_VAR}}"`,
      `export KUBECONFIG="\${${FILES_VAR}}/kubeconfig"`,
      '',
    );
    for (const [key, argv] of Object.entries(EMPTY_ANSWER_DEFAULTS)) {
      if (!this.isUsed(`answers.${key}`)) continue;
      const variable = variableFor('answers', key);
      lines.push(`if [[ -z "\${${variable}}" ]]; then ${variable}="$(${shellLine(argv)} 2>/dev/null || true)"; fi`);
      lines.push(`: "\${${variable}:?${variable} is empty and could not be worked out: set it above}"`);
    }
    lines.push(
      '',
      '# Polls a condition (a function) every INTERVAL seconds; gives up after TIMEOUT seconds.',
      'wait_until() { # TIMEOUT INTERVAL WHAT CONDITION',
      '  local timeout=$1 interval=$2 what=$3 condition=$4 waited=0',
      '  until "${condition}"; do',
      '    if (( waited >= timeout )); then echo "Gave up waiting for ${what} after ${waited}s." >&2; return 1; fi',
      '    echo "waiting for ${what} (${waited}s)" >&2',
      '    sleep "${interval}"; waited=$((waited + interval))',
      '  done',
      '}',
      '# Succeeds when COMMAND fails and what it prints contains TEXT (a refusal with the expected reason).',
      'fails_with() { # TEXT COMMAND...',
      '  local text=$1 out; shift',
      '  if out="$("$@" 2>&1)"; then return 1; fi',
      '  [[ ${out} == *"${text}"* ]]',
      '}',
      '',
    );
    return lines;
  }

  /**
   * The step's statements for these combinations: one rendering, or an if/else on the first
   * branch that changes it, with the statements both sides share kept outside.
   */
  private tree(stepIndex: number, combos: readonly Combo[]): Statement[] {
    const rendered = combos.map((combo) => this.render(this.plans.get(combo.join('|'))![stepIndex]!, stepIndex));
    const first = JSON.stringify(rendered[0]);
    if (rendered.every((r) => JSON.stringify(r) === first)) return rendered[0]!;
    const i = BRANCHES.findIndex((_, b) => this.matters(stepIndex, combos, b));
    const branch = BRANCHES[i]!;
    const [a, b] = branch.values;
    const pick = (value: string | undefined) => combos.filter((c) => c[i] === value);
    const yes = this.tree(stepIndex, pick(a));
    const no = this.tree(stepIndex, pick(b));
    const same = (x: Statement | undefined, y: Statement | undefined) =>
      x !== undefined && y !== undefined && JSON.stringify(x) === JSON.stringify(y);
    let head = 0;
    while (head < yes.length && head < no.length && same(yes[head], no[head])) head++;
    let tail = 0;
    while (tail < yes.length - head && tail < no.length - head && same(yes[yes.length - 1 - tail], no[no.length - 1 - tail])) tail++;
    const body = (side: Statement[]) => {
      const middle = side.slice(head, side.length - tail).flatMap((st) => indent(st));
      return middle.length > 0 ? middle : ['  :'];
    };
    return [
      ...yes.slice(0, head),
      [`if [[ "\${${branch.variable}}" == ${singleQuote(a ?? '')} ]]; then`, ...body(yes), 'else', ...body(no), 'fi'],
      ...yes.slice(yes.length - tail),
    ];
  }

  /** Whether flipping branch `b` alone changes the step's rendering for some combination. */
  private matters(stepIndex: number, combos: readonly Combo[], b: number): boolean {
    const key = (c: Combo) => c.join('|');
    const inSet = new Set(combos.map(key));
    return combos.some((combo) => {
      const flipped = combo.map((v, i) => (i === b ? BRANCHES[b]!.values.find((x) => x !== v)! : v));
      if (!inSet.has(key(flipped))) return false;
      const one = JSON.stringify(this.render(this.plans.get(key(combo))![stepIndex]!, stepIndex));
      const other = JSON.stringify(this.render(this.plans.get(key(flipped))![stepIndex]!, stepIndex));
      return one !== other;
    });
  }

  private readonly cache = new Map<Planned, Statement[]>();

  /** One planned step as bash statements. */
  private render(plan: Planned, stepIndex: number): Statement[] {
    const cached = this.cache.get(plan);
    if (cached) return cached;
    const stepId = this.steps[stepIndex]!.id;
    const out: Statement[] = [];
    if (plan.skipped) out.push([`: # skipped: ${plan.skipped}`]);
    for (const file of plan.files) {
      const path = `${STATE_DIR_PLACEHOLDER}/${file.path}`;
      if (file.path.includes('/')) out.push([`mkdir -p ${shellWord(path.slice(0, path.lastIndexOf('/')))}`]);
      // One element: indentation inside an if must not touch the heredoc's body or its end marker.
      out.push([`cat > ${shellWord(path)} <<RATIFY_EOF\n${substitute(file.content.trimEnd(), /[$`\\]/)}\nRATIFY_EOF`]);
    }
    let waits = 0;
    let guard: { key: string; lines: string[]; tests: readonly ShellTest[] } | undefined;
    const flush = () => {
      if (!guard) return;
      out.push([`if ! { ${guard.tests.map((t) => this.test(t)).join(' && ')}; }; then`, ...indent(guard.lines), 'fi']);
      guard = undefined;
    };
    for (const item of plan.items) {
      if (item.kind === 'wait') {
        flush();
        const until = item.wait.options.until ?? [];
        if (until.length === 0) throw new Error(`step "${stepId}": the wait for ${item.wait.what} has no shell test (WaitOptions.until)`);
        const fn = `until_${stepId.replace(/-/g, '_')}_${++waits}`;
        out.push([`${fn}() { ${until.map((t) => this.test(t)).join(' && ')}; }`]);
        const { timeoutMs, intervalMs } = item.wait.options;
        out.push([`wait_until ${seconds(timeoutMs)} ${seconds(intervalMs)} ${shellWord(item.wait.what)} ${fn}`]);
        continue;
      }
      const event = item.event;
      const command = this.command(event, stepId);
      if (command.length === 0) continue;
      // A used capture of a change is `VAR="$(show || change)"`; any other change sits behind its test.
      const capturing = event.options.capture !== undefined && this.isUsed(`${stepId}.${event.options.capture}`);
      const implied = event.options.guardedBy && !capturing ? [{ argv: event.options.guardedBy, expect: 'succeeds' as const }] : [];
      const tests = event.options.done ?? implied;
      if (event.mutates && tests.length === 0 && !capturing) {
        throw new Error(`step "${stepId}": ${event.argv.slice(0, 4).join(' ')} changes the world without a guard (done or guardedBy)`);
      }
      if (tests.length === 0) {
        flush();
        out.push(command);
        continue;
      }
      const key = JSON.stringify(tests);
      if (guard?.key !== key) {
        flush();
        guard = { key, lines: [], tests };
      }
      guard.lines.push(...command);
    }
    flush();
    this.cache.set(plan, out);
    return out;
  }

  /** One command: a change, a capture of a value later commands use, or a read that checks something. */
  private command(event: CommandEvent, stepId: string): string[] {
    const options = event.options;
    const ref = options.capture ? `${stepId}.${options.capture}` : undefined;
    if (ref && this.derived.has(ref)) return []; // the step's shell derivation sets it
    const lines: string[] = [];
    const secretRefs = Object.values(options.env ?? {}).filter((v) => [...this.secretVars.keys()].some((k) => v === `<${k}>`));
    for (const [name, value] of Object.entries(options.env ?? {})) {
      // Set once with the secret they accompany (see below).
      if (!options.secretEnv?.includes(name) && secretRefs.length === 0) lines.push(`export ${name}=${shellWord(value)}`);
    }
    let line = shellLine(event.argv);
    if (options.stdin !== undefined) line += ` <<RATIFY_EOF\n${substitute(options.stdin.trimEnd(), /[$`\\]/)}\nRATIFY_EOF`;
    if (ref && this.isUsed(ref)) {
      const secretEnv = this.secretVars.get(ref);
      const variable = secretEnv ?? variableFor(stepId, options.capture ?? '');
      const value = event.mutates && options.guardedBy ? `$(${shellLine(options.guardedBy)} 2>/dev/null || ${line})` : `$(${line})`;
      if (event.mutates && !options.guardedBy) {
        throw new Error(`step "${stepId}": ${event.argv.slice(0, 3).join(' ')} captures ${options.capture} but has no guardedBy read`);
      }
      // A secret (the registry token) goes into the environment of the commands that need it, never to stdout.
      for (const [name, v] of Object.entries(this.companions.get(ref) ?? {})) lines.push(`export ${name}=${shellWord(v)}`);
      lines.push(`${variable}="${value}"`);
      if (secretEnv) lines.push(`export ${variable}`);
      return lines;
    }
    if (!event.mutates) {
      // Reads that decide something are the tests above; a read that may fail only informed the run.
      if (options.allowFailure || options.probe) return [];
      return [`${line} >/dev/null`];
    }
    return [...lines, line];
  }

  private test(t: ShellTest): string {
    const cmd = shellLine(t.argv);
    const out = `"$(${cmd} 2>/dev/null)"`;
    const e = t.expect;
    if (e === 'succeeds') return `${cmd} >/dev/null 2>&1`;
    if (e === 'fails') return `! ${cmd} >/dev/null 2>&1`;
    if (e === 'nonEmpty') return `[[ -n ${out} ]]`;
    if (e === 'empty') return `[[ -z ${out} ]]`;
    if ('equals' in e) return `[[ ${out} == ${quoted(e.equals)} ]]`;
    if ('notEquals' in e) return `[[ ${out} != ${quoted(e.notEquals)} ]]`;
    if ('contains' in e) return `[[ ${out} == *${quoted(e.contains)}* ]]`;
    if ('lacks' in e) return `[[ ${out} != *${quoted(e.lacks)}* ]]`;
    return `fails_with ${quoted(e.failsWith)} ${cmd}`;
  }
}

const uses = (text: string, stepId: string, name: string): boolean => text.includes(`\${${variableFor(stepId, name)}}`);

function variableOf(ref: string): string {
  const [owner = '', name = ''] = ref.split('.');
  return variableFor(owner, name);
}

function* events(items: readonly RecordedItem[]): Generator<CommandEvent> {
  for (const item of items) {
    if (item.kind === 'command') yield item.event;
    else yield* item.commands;
  }
}

function testTexts(t: ShellTest): string[] {
  const e = t.expect;
  const value = typeof e === 'string' ? [] : Object.values(e);
  return [...t.argv, ...value];
}

/** A value compared with as a literal string (a double-quoted word with its placeholders as variables). */
function quoted(value: string): string {
  return `"${substitute(value)}"`;
}

/** Placeholders in a hand-written derivation line become variables; nothing else is touched. */
function substituteLine(line: string): string {
  const placeholder = /<([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)>/g;
  return line.replace(placeholder, (_, owner: string, name: string) => `\${${variableFor(owner, name)}}`);
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
const indent = (lines: readonly string[]): string[] => lines.map((l) => (l.includes('\n') ? l : `  ${l}`));

function singleQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
