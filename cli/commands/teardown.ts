import { join } from 'node:path';
import { LedgerStore } from '../../checkpoints/ledger-store.js';
import type { LedgerData } from '../../checkpoints/ledger-schema.js';
import { collectAnswers, isInteractive } from '../../prompts/collect-answers.js';
import { createInquirerPrompter } from '../../prompts/prompter.js';
import type { CloudProfile } from '../../kernel/cloud-profile.js';
import { ExitCode, RunbookError, UsageError } from '../../kernel/errors.js';
import { subscribeNotebook } from '../../runner/notebook.js';
import { createProgressBus, type ProgressBus } from '../../runner/progress-bus.js';
import { runTeardown } from '../../runner/teardown.js';
import type { Step } from '../../runner/step.js';
import type { Marked } from '../../steps/_shared/sweep.js';
import { flag, option, parseCommandArgs } from '../args.js';
import { openCloudProfile, sandboxFlags, type SandboxFlags } from '../cloud-profiles.js';
import { writeLine, type Io } from '../../kernel/io.js';
import { openStateDir, runIdOf, stateDirOf } from '../state-dir.js';
import type { Sweep } from '../sweep.js';
import { systemClock } from '../system-clock.js';
import { engineContext } from '../engine-context.js';
import { createProgressView } from '../views/create-view.js';
import { simulatedNotice } from './run.js';

/**
 * Removes what the ledger records as created, in reverse order, by recorded id. With --sweep, also
 * what carries the run's mark; with --sweep --run-id, that even when the state dir has no ledger.
 */
export default async function teardownCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('teardown', args, {
    ...option.stateDir,
    ...option.yes,
    ...option.nonInteractive,
    ...option.sandbox,
    sweep: { type: 'boolean' },
    ...option.runId,
    ...option.help,
  });
  const runId = runIdOf(parsed);
  if (runId !== undefined && !flag(parsed, 'sweep')) {
    throw new UsageError('--run-id only goes with --sweep: teardown without it removes what the ledger records.', [
      `To remove what carries the mark ratify-runbook-run=${runId}: ratify-runbook teardown --sweep --run-id ${runId}`,
    ]);
  }
  return teardownRunbook(io, {
    runId,
    stateDir: stateDirOf(io, parsed),
    yes: flag(parsed, 'yes'),
    interactive: isInteractive({
      stdinIsTTY: io.stdin.isTTY,
      env: io.env,
      nonInteractive: flag(parsed, 'non-interactive'),
      yes: flag(parsed, 'yes'),
    }),
    sandbox: sandboxFlags(parsed),
    sweep: flag(parsed, 'sweep'),
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
  /** Also remove what carries the run's mark but the ledger does not list. */
  readonly sweep?: boolean;
  /**
   * The run whose mark the sweep looks for (`--run-id`, checked): the ledger's own, or, when the
   * state dir has none (its state was lost), the only thing that says what to sweep.
   */
  readonly runId?: string | undefined;
}

/** What the ledger records (created, and write-ahead records of creates a kill interrupted). */
function ledgerLines(steps: readonly Step[], ledger: LedgerData): string[] {
  return steps.flatMap((s) => {
    const record = ledger.steps[s.id];
    return [
      ...(record?.created ?? []).map((r) => `${s.id}: ${r.kind} ${r.id}`),
      ...(record?.pending ?? []).map((r) => `${s.id}: ${r.kind}${r.id ? ` ${r.id}` : ''} (if the interrupted create made it)`),
    ];
  });
}

/** One teardown; the workshop runner calls this for each attendee with its own Io. */
export async function teardownRunbook(io: Io, options: TeardownRunbookOptions): Promise<number> {
  const { stateDir, sandbox } = options;
  const clock = systemClock;
  const target = sandbox ? ({ kind: 'sandbox' } as const) : ({ kind: 'azure' } as const);
  const state = await openStateDir(io, { stateDir, command: 'ratify-runbook teardown', target, clock, runId: options.runId });
  let profile: CloudProfile | undefined;
  try {
    // No ledger: only a sweep by a named mark has anything to go on. Nothing is written as a ledger
    // then (the new one openStateDir offers is never saved): no step of this run is known.
    const ledger = state.existed ? state.ledger : undefined;
    const markOnly = !ledger && options.sweep === true && options.runId !== undefined;
    if (!ledger && !markOnly) {
      writeLine(io.stderr, `Nothing to tear down: no run in ${stateDir}.`);
      writeLine(io.stderr, "  → If a run's state was lost, remove what carries its mark: ratify-runbook teardown --sweep --run-id ID");
      return 0;
    }
    const runId = ledger?.runId ?? options.runId!;
    const mark = `ratify-runbook-run=${runId}`;
    const { steps } = await import('../../steps/index.js');
    const recorded = ledger ? ledgerLines(steps, ledger) : [];
    // The answers the run used, for names teardown still needs (it removes by recorded id).
    const { answers } = await collectAnswers({ needed: [], stateDir, env: {}, interactive: false });
    const openProfile = async () => (profile ??= await openCloudProfile(stateDir, sandbox, {}, options.worldDir));

    let sweep: Sweep | undefined;
    let extra: Marked[] = [];
    if (options.sweep) {
      const { openSweep, unlisted } = await import('../sweep.js');
      sweep = await openSweep(io, stateDir, ledger ?? { runId }, await openProfile(), answers, (line) => writeLine(io.stderr, `  ${line}`));
      const found = await sweep.find();
      extra = ledger ? unlisted(found, ledger) : found;
    }
    if (!ledger && extra.length === 0) {
      writeLine(io.stderr, `Nothing to tear down: nothing in subscription ${sweep!.subscription} carries the mark ${mark}.`);
      return 0;
    }
    if (recorded.length === 0 && extra.length === 0) {
      const more = options.sweep ? ', and nothing else carries its mark' : '';
      writeLine(io.stderr, `Nothing to tear down: the ledger records no resource this runbook created${more}.`);
      if (!options.sweep) writeLine(io.stderr, "  → To look for resources with this run's mark anyway: ratify-runbook teardown --sweep");
      return 0;
    }
    if (recorded.length > 0) writeLine(io.stderr, `Teardown removes ${recorded.length} resource(s) this runbook created:`);
    for (const line of recorded) writeLine(io.stderr, `  - ${line}`);
    if (extra.length > 0) {
      writeLine(
        io.stderr,
        ledger
          ? `--sweep also removes ${extra.length} resource(s) with this run's mark (${mark}) the ledger does not list:`
          : `No ledger in ${stateDir}: --sweep removes the ${extra.length} resource(s) with the mark ${mark} ` +
              `in subscription ${sweep!.subscription}:`,
      );
      for (const m of extra) writeLine(io.stderr, `  - ${m.label} (${m.id})`);
    }
    if (!options.yes) {
      if (!(options.interactive ?? false)) throw new UsageError('Teardown deletes resources: confirm with --yes when not on a terminal.');
      const prompter = createInquirerPrompter({ input: io.stdin, output: io.stderr, signal: io.signal });
      if (!(await prompter.confirm({ key: 'teardown', message: 'Delete them?', default: false }))) {
        writeLine(io.stderr, 'Nothing was deleted.');
        return 0;
      }
    }
    const opened = await openProfile();
    const notice = opened.kind === 'sandbox' ? simulatedNotice(options.worldDir ?? join(stateDir, 'sandbox')) : undefined;
    if (notice) writeLine(io.stderr, `⚠ ${notice}`);

    // Grants and policies the ledger lost go first: a policy assignment left behind would keep
    // Ratify's constraint in the cluster, and the ledger's teardown of Ratify waits for it to go.
    // Tagged resources go last, after the ledger removed what lives in them (certificates in a vault).
    const { removeMarked, isGrantOrPolicy } = await import('../../steps/_shared/sweep.js');
    const unremovable = sweep ? await removeMarked(sweep.ctx, extra.filter(isGrantOrPolicy)) : [];
    let removedSteps: string[] = [];
    if (ledger && recorded.length > 0) {
      const store = new LedgerStore(stateDir, ledger, clock);
      const events = options.events ?? createProgressBus();
      const notebook = subscribeNotebook(events, stateDir, ledger, steps, { notice });
      const view = await createProgressView(io);
      const stopViewing = events.subscribe(view.onEvent);
      try {
        const context = engineContext(io, stateDir, answers, opened);
        ({ removedSteps } = await runTeardown({ steps, store, signal: io.signal, events, context, wallClock: systemClock }));
      } finally {
        await view.idle();
        stopViewing();
        await notebook.close();
      }
    }
    if (sweep) {
      unremovable.push(
        ...(await removeMarked(
          sweep.ctx,
          extra.filter((m) => !isGrantOrPolicy(m)),
        )),
      );
      // What still carries the mark after both passes is reported, never silently left.
      const left = [...(await sweep.find()).map((m) => `${m.label} (${m.id})`), ...unremovable];
      if (left.length > 0) {
        throw new RunbookError(`Teardown done, but ${left.length} resource(s) still carry this run's mark:`, ExitCode.stepFailed, [
          ...left,
          'Run teardown --sweep again, or remove them by hand.',
        ]);
      }
    }
    if (!ledger) {
      writeLine(io.stderr, `✔ Swept ${extra.length} resource(s) carrying ${mark}; nothing carries it now.`);
      // Without a ledger nothing says what the run put inside a cluster or registry it did not create.
      if (!extra.some((m) => m.kind === 'cluster' || m.kind === 'resourceGroup')) {
        writeLine(io.stderr, "  ! Ratify's Helm release, the demo namespace and pushed images in a cluster or registry the run did not");
        writeLine(io.stderr, '    create carry no Azure tag: see docs/troubleshooting.md#ledger-lost to remove them.');
      }
      return 0;
    }
    const swept = extra.length > 0 ? [`${extra.length} swept`] : [];
    writeLine(io.stderr, `✔ Teardown done (${[...removedSteps, ...swept].join(', ') || 'nothing left'}).`);
    return 0;
  } finally {
    await profile?.close();
    await state.release();
  }
}
