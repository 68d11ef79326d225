import { newLedger } from '../../checkpoints/ledger.js';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import { collectAnswers } from '../../prompts/collect-answers.js';
import type { CloudProfile } from '../../kernel/cloud-profile.js';
import { ExitCode, StepFailedError } from '../../kernel/errors.js';
import { runEngine } from '../../runner/engine.js';
import { execDirect } from '../../runner/exec-process.js';
import { listOption, option, parseCommandArgs, stringOption } from '../args.js';
import { openCloudProfile, sandboxFlags } from '../cloud-profiles.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { stateDirOf } from '../state-dir.js';
import { systemClock } from '../system-clock.js';
import { engineContext } from '../engine-context.js';
import { createProgressBus } from '../../runner/progress-bus.js';
import { createLineView } from '../views/line-view.js';

/** The read-only preflight step alone, with its findings printed; the ledger is not touched. */
export default async function doctorCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('doctor', args, {
    ...option.answers,
    ...option.set,
    ...option.stateDir,
    ...option.sandbox,
    ...option.help,
  });
  const sandbox = sandboxFlags(parsed);
  const stateDir = stateDirOf(io, parsed);
  const { steps } = await import('../../steps/index.js');
  const preflight = steps.find((s) => s.id === 'preflight');
  if (!preflight) throw new Error('the step list has no preflight step');
  const { answers } = await collectAnswers({
    cwd: io.cwd,
    needed: preflight.needs,
    stateDir,
    answersFile: stringOption(parsed, 'answers'),
    env: io.env,
    sets: listOption(parsed, 'set'),
    interactive: false,
  });
  let profile: CloudProfile | undefined;
  const clock = systemClock;
  try {
    profile = await openCloudProfile(stateDir, sandbox, answers);
    const ledger = newLedger({ kind: profile.kind === 'sandbox' ? 'sandbox' : 'azure' }, clock.now(), 'doctor');
    const store = new LedgerStore(stateDir, ledger, clock, false);
    const events = createProgressBus();
    events.subscribe(createLineView((line) => writeLine(io.stderr, line)).onEvent);
    try {
      await runEngine({
        steps: [{ ...preflight, after: [] }],
        store,
        signal: io.signal,
        events,
        // Probes spawn each tool directly (no shell), so the report works on a PATH with nothing else.
        context: { ...engineContext(io, stateDir, answers, profile), exec: execDirect },
      });
    } catch (error) {
      // The line view has just printed every problem with its fix; say once what to do next.
      if (!(error instanceof StepFailedError)) throw error;
      writeLine(io.stderr, '✖ Doctor found the problems above. Fix them (each says how), then run `ratify-runbook doctor` again.');
      return ExitCode.stepFailed;
    } finally {
      for (const [name, value] of Object.entries(ledger.steps.preflight?.outputs ?? {})) writeLine(io.stdout, `${name}: ${value}`);
    }
    writeLine(io.stderr, '✔ Preflight passed.');
    return 0;
  } finally {
    await profile?.close();
  }
}
