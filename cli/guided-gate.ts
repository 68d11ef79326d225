import type { Prompter } from '../prompts/prompter.js';
import type { GateChoice, StepPreview } from '../runner/engine.js';
import { writeLine } from '../kernel/io.js';

/**
 * Guided mode: before each step, show what it does and the exact commands it will run, then
 * ask Run / Skip / Run all remaining / Quit.
 */
export function createGuidedGate(stderr: NodeJS.WritableStream, prompter: Prompter, style: (s: string) => string) {
  return async (preview: StepPreview): Promise<GateChoice> => {
    const { step } = preview;
    writeLine(stderr);
    writeLine(stderr, style(`── ${step.title} (${step.id}) ──`));
    for (const line of step.explain.trim().split('\n')) writeLine(stderr, `  ${line}`);
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
