import type { Prompter } from '../prompts/prompter.js';
import type { GateChoice, StepPreview } from '../runner/engine.js';
import { writeLine } from '../kernel/io.js';
import { renderMarkdown } from '../kernel/terminal-markdown.js';
import type { ChalkInstance } from '../kernel/terminal-style.js';

/**
 * Guided mode: before each step, show what it does and the exact commands it will run, then
 * ask Run / Skip / Run all remaining / Quit. The explanation's Markdown is rendered with
 * `chalk`, built for stderr (plain text when colour is off there).
 */
export function createGuidedGate(stderr: NodeJS.WritableStream, prompter: Prompter, chalk: ChalkInstance) {
  return async (preview: StepPreview): Promise<GateChoice> => {
    const { step } = preview;
    writeLine(stderr);
    writeLine(stderr, chalk.bold(`── ${step.title} (${step.id}) ──`));
    const width = Math.min(100, ((stderr as { columns?: number }).columns ?? 100) - 2);
    for (const line of renderMarkdown(step.explain, chalk, { width })) writeLine(stderr, line ? `  ${line}` : '');
    writeLine(stderr);
    writeLine(stderr, `  Why now: ${preview.reason}. Commands (a "show" that finds the resource skips its create):`);
    for (const command of preview.commands) writeLine(stderr, `    $ ${command.argv.map(displayArg).join(' ')}`);
    if (preview.commands.length === 0) writeLine(stderr, '    (no external command)');
    for (const file of preview.files) writeLine(stderr, `  Writes ${file.path}`);
    writeLine(stderr);
    return prompter.select<GateChoice>({
      key: `step:${step.id}`,
      message: `Run "${step.title}"?`,
      choices: [
        { value: 'run', name: 'Run this step' },
        { value: 'skip', name: 'Skip it (steps that need it are skipped too)' },
        { value: 'all', name: 'Run all remaining steps without asking' },
        { value: 'quit', name: 'Quit (run again later to continue here)' },
      ],
      default: 'run',
    });
  };
}

function displayArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
