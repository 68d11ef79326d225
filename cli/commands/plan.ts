import { randomUUID } from 'node:crypto';
import { collectAnswers } from '../../prompts/collect-answers.js';
import { planSteps, planToJson, type PlannedStep } from '../../runner/plan.js';
import { exportShellScript } from '../../runner/shell-script.js';
import type { PlanAssumptions } from '../../runner/step.js';
import { listOption, oneOf, option, parseCommandArgs, stringOption } from '../args.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { machineHelmVersion } from '../local-tools.js';
import { readStateDir, stateDirOf } from '../state-dir.js';
import { systemClock } from '../system-clock.js';

const formats = ['text', 'json', 'sh', 'md'] as const;

/** Prints what a run would do on a fresh world. Executes nothing; never prompts. */
export default async function planCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('plan', args, {
    ...option.answers,
    ...option.set,
    ...option.stateDir,
    format: { type: 'string' },
    ...option.help,
  });
  const format = oneOf(stringOption(parsed, 'format'), formats, '--format', 'text');
  const stateDir = stateDirOf(io, parsed);
  const { steps } = await import('../../steps/index.js');
  const { answers } = await collectAnswers({
    cwd: io.cwd,
    needed: [...new Set(steps.flatMap((s) => s.needs))],
    stateDir,
    answersFile: stringOption(parsed, 'answers'),
    env: io.env,
    sets: listOption(parsed, 'set'),
    interactive: false,
  });
  // The run id a run in this state dir uses (a fresh state dir: the one a run would start with).
  const runId = (await readStateDir(stateDir))?.runId ?? randomUUID().slice(0, 8);
  if (format === 'sh') {
    io.stdout.write(await exportShellScript({ steps, answers, runId, clock: systemClock, origin: 'plan of a fresh world' }));
    return 0;
  }
  const helm = await machineHelmVersion(io.env);
  const assumptions: PlanAssumptions = { helmVersion: helm ?? 'v4.0.0', entraId: 'false' };
  const plan = await planSteps({ steps, answers, stateDir, runId, clock: systemClock, assumptions });
  const note = helm
    ? `Helm commands are for the Helm on this machine (${helm}); a cluster signing in with local accounts is assumed.`
    : 'No helm on this machine: Helm commands are shown for Helm 4, the current major; ' +
      'a cluster signing in with local accounts is assumed.';
  if (format === 'json') io.stdout.write(planToJson(plan));
  else if (format === 'md') io.stdout.write(planToMarkdown(plan, note));
  else for (const line of planToText(plan, note)) writeLine(io.stdout, line);
  return 0;
}

function planToText(plan: readonly PlannedStep[], note: string): string[] {
  const lines: string[] = [];
  plan.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title} (${step.id})${step.skipped ? ` — skipped: ${step.skipped}` : ''}`);
    for (const c of step.commands) lines.push(`   ${c.mutates ? '*' : ' '} ${c.argv.map(display).join(' ')}`);
    for (const f of step.files) lines.push(`   writes ${f.path}`);
  });
  lines.push('', '* = changes something (runs only when its show finds nothing); <step.output> = known after that step runs', note);
  return lines;
}

function planToMarkdown(plan: readonly PlannedStep[], note: string): string {
  const out = ['# ratify-runbook plan', '', `> ${note}`, ''];
  plan.forEach((step, i) => {
    out.push(`## ${i + 1}. ${step.title} (\`${step.id}\`)`, '', step.explain.trim(), '');
    if (step.skipped) out.push(`Skipped: ${step.skipped}.`, '');
    if (step.commands.length > 0) out.push('```bash', ...step.commands.map((c) => c.argv.map(display).join(' ')), '```', '');
    for (const f of step.files) out.push(`\`${f.path}\`:`, '```', f.content.trimEnd(), '```', '');
  });
  return `${out.join('\n')}\n`;
}

function display(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
