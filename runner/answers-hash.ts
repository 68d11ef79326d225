import { createHash } from 'node:crypto';
import type { AnswerKey, Answers } from '../kernel/answer-keys.js';

/**
 * Fingerprints of the answers a step used, so a changed answer re-checks exactly the steps
 * that read it. Hashes, not values: the ledger stays free of anything sensitive.
 */
export function answersFingerprint(needs: readonly AnswerKey[], answers: Partial<Answers>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of needs) {
    out[key] = createHash('sha256')
      .update(JSON.stringify(answers[key] ?? null))
      .digest('hex')
      .slice(0, 16);
  }
  return out;
}

export function changedAnswers(recorded: Record<string, string>, current: Record<string, string>): string[] {
  return Object.keys(current).filter((key) => recorded[key] !== current[key]);
}
