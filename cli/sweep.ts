import { mkdir } from 'node:fs/promises';
import type { LedgerData } from '../checkpoints/ledger-schema.js';
import type { Answers } from '../kernel/answer-keys.js';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import type { Io } from '../kernel/io.js';
import { createTeardownContext, stepPaths } from '../runner/step-context.js';
import { defineStep, type TeardownContext } from '../runner/step.js';
import { findMarked, type Marked } from '../steps/_shared/sweep.js';
import { engineContext } from './engine-context.js';

/** Not a step of the flow: the context the sweep's reads and deletes run in (logged under logs/sweep.*). */
const sweepStep = defineStep({
  id: 'sweep',
  title: "Sweep what carries this run's mark",
  explain: "Finds what carries this run's mark in the cloud, whatever the ledger says.",
  needs: [],
  after: [],
  produces: [],
  check: async () => undefined,
  run: async () => ({}),
});

export interface Sweep {
  readonly ctx: TeardownContext;
  readonly subscription: string;
  /** Everything carrying the run's mark now. */
  find(): Promise<Marked[]>;
}

/**
 * A context for the sweep, in the subscription the run used: as preflight recorded it, else the
 * answers', else the signed-in one. Without a ledger (`teardown --sweep --run-id`) only the mark is known.
 */
export async function openSweep(
  io: Io,
  stateDir: string,
  run: LedgerData | { readonly runId: string },
  profile: CloudProfile,
  answers: Partial<Answers>,
  log: (line: string) => void,
): Promise<Sweep> {
  const ledger = 'steps' in run ? run : undefined;
  const deps = {
    ...engineContext(io, stateDir, answers, profile),
    mode: 'run' as const,
    runId: run.runId,
    outputsOf: (id: string) => ledger?.steps[id]?.outputs,
  };
  const none = async () => {};
  const hooks = { attempt: 1, signal: io.signal, onCommand: () => {}, onLog: log, onCreated: none, onWillCreate: none, onFile: () => {} };
  const ctx = createTeardownContext(sweepStep, deps, hooks, [], {});
  // The sweep's commands log under logs/, which a state dir holding only answers (its run's state lost) lacks.
  await mkdir(stepPaths(stateDir).logsDir, { recursive: true });
  const target = ledger?.target.kind === 'azure' ? ledger.target.subscriptionId : undefined;
  const recorded = ledger?.steps.preflight?.outputs.subscriptionId ?? target;
  const loggedIn = async () => (await ctx.cmd.run(['az', 'account', 'show', '--query', 'id', '-o', 'tsv'], { mutates: false })).stdout;
  const subscription = recorded ?? answers.subscriptionId ?? (await loggedIn()).trim();
  return { ctx, subscription, find: () => findMarked(ctx, subscription) };
}

/** What carries the mark but is not in the ledger (created, or a write-ahead record of it). */
export function unlisted(found: readonly Marked[], ledger: LedgerData): Marked[] {
  const known = new Set(
    Object.values(ledger.steps)
      .flatMap((record) => [...record.created, ...(record.pending ?? [])])
      .flatMap((r) => (r.id ? [r.id.toLowerCase()] : [])),
  );
  return found.filter((m) => !known.has(m.id.toLowerCase()));
}
