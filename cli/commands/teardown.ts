import { join } from 'node:path';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import { collectAnswers, isInteractive } from '../../prompts/collect-answers.js';
import { createInquirerPrompter } from '../../prompts/prompter.js';
import type { CloudProfile } from '../../kernel/cloud-profile.js';
import { UsageError } from '../../kernel/errors.js';
import { subscribeNotebook } from '../../runner/notebook.js';
import { createProgressBus, type ProgressBus } from '../../runner/progress-bus.js';
import { runTeardown } from '../../runner/teardown.js';
import { flag, option, parseCommandArgs } from '../args.js';
import { openCloudProfile, sandboxFlags, type SandboxFlags } from '../cloud-profiles.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { openStateDir, stateDirOf } from '../state-dir.js';
import { systemClock } from '../system-clock.js';
import { engineContext } from '../engine-context.js';
import { createProgressView } from '../views/create-view.js';
import { simulatedNotice } from './run.js';

/** Removes what the ledger records as created, in reverse order, by recorded id. */
export default async function teardownCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('teardown', args, { ...option.stateDir, ...option.yes, ...option.nonInteractive, ...option.sandbox, ...option.help });
  return teardownRunbook(io, {
    stateDir: stateDirOf(io, parsed),
    yes: flag(parsed, 'yes'),
    interactive: isInteractive({ stdinIsTTY: io.stdin.isTTY, env: io.env, nonInteractive: flag(parsed, 'non-interactive'), yes: flag(parsed, 'yes') }),
    sandbox: sandboxFlags(parsed),
  });
}

export interface TeardownRunbookOptions {
  readonly stateDir: string;
  /** Do not ask (--yes); without it a non-interactive teardown is refused. */
  readonly yes: boolean;
  /** Whether a prompt may ask (defaults to false: the workshop runner never prompts). */
  readonly interactive?: boolean;
  readonly sandbox?: SandboxFlags | undefined;
  /** The simulated world (default <stateDir>/sandbox; a workshop shares DIR/sandbox). */
  readonly worldDir?: string;
  /** Where the teardown's progress goes (the workshop passes one per attendee); default: a new bus. */
  readonly events?: ProgressBus;
}

/** One teardown; the workshop runner calls this for each attendee with its own Io. */
export async function teardownRunbook(io: Io, options: TeardownRunbookOptions): Promise<number> {
  const { stateDir, sandbox } = options;
  const clock = systemClock;
  const state = await openStateDir(io, { stateDir, command: 'ratify-runbook teardown', target: sandbox ? { kind: 'sandbox' } : { kind: 'azure' }, clock });
  let profile: CloudProfile | undefined;
  try {
    if (!state.existed) {
      writeLine(io.stderr, `Nothing to tear down: no run in ${stateDir}.`);
      return 0;
    }
    const { steps } = await import('../../steps/index.js');
    const created = steps.flatMap((s) => (state.ledger.steps[s.id]?.created ?? []).map((r) => `${s.id}: ${r.kind} ${r.id}`));
    if (created.length === 0) {
      writeLine(io.stderr, 'Nothing to tear down: the ledger records no resource created by this runbook.');
      return 0;
    }
    const interactive = options.interactive ?? false;
    writeLine(io.stderr, `Teardown removes ${created.length} resource(s) this runbook created:`);
    for (const line of created) writeLine(io.stderr, `  - ${line}`);
    if (!options.yes) {
      if (!interactive) throw new UsageError('Teardown deletes resources: confirm with --yes when not on a terminal.');
      const prompter = createInquirerPrompter({ input: io.stdin, output: io.stderr, signal: io.signal });
      if (!(await prompter.confirm({ key: 'teardown', message: 'Delete them?', default: false }))) {
        writeLine(io.stderr, 'Nothing was deleted.');
        return 0;
      }
    }
    // The answers the run used, for names teardown still needs (it removes by recorded id).
    const { answers } = await collectAnswers({ needed: [], stateDir, env: {}, interactive: false });
    profile = await openCloudProfile(stateDir, sandbox, {}, options.worldDir);
    const notice = profile.kind === 'sandbox' ? simulatedNotice(options.worldDir ?? join(stateDir, 'sandbox')) : undefined;
    if (notice) writeLine(io.stderr, `⚠ ${notice}`);
    const store = new LedgerStore(stateDir, state.ledger, clock);
    const events = options.events ?? createProgressBus();
    const notebook = subscribeNotebook(events, stateDir, state.ledger, steps, { notice });
    const view = await createProgressView(io);
    const stopViewing = events.subscribe(view.onEvent);
    let removedSteps: string[];
    try {
      const context = engineContext(io, stateDir, answers, profile);
      ({ removedSteps } = await runTeardown({ steps, store, signal: io.signal, events, context }));
    } finally {
      await view.idle();
      stopViewing();
      await notebook.close();
    }
    writeLine(io.stderr, `✔ Teardown done (${removedSteps.join(', ') || 'nothing left'}).`);
    return 0;
  } finally {
    await profile?.close();
    await state.release();
  }
}
