import type { LedgerData } from '../checkpoints/ledger-schema.js';
import type { Step } from './step.js';

/** The `status --json` contract: a stable shape that scripts read. */
export function statusJson(ledger: LedgerData | undefined, steps: readonly Step[]): string {
  return `${JSON.stringify(
    {
      target: ledger?.target ?? null,
      runId: ledger?.runId ?? null,
      steps: steps.map((step) => {
        const record = ledger?.steps[step.id];
        return {
          id: step.id,
          status: record?.status ?? 'pending',
          attempts: record?.attempts ?? 0,
          startedAt: record?.startedAt ?? null,
          endedAt: record?.endedAt ?? null,
          outputs: record?.outputs ?? {},
          error: record?.error ?? null,
          ...(record?.skipReason ? { skipReason: record.skipReason } : {}),
          ...(record?.hints?.length ? { hints: record.hints } : {}),
        };
      }),
    },
    null,
    2,
  )}\n`;
}
