import { UsageError } from '../kernel/errors.js';
import type { Step } from './step.js';

/**
 * Checks the ordered step list: unique ids, and every `after` names a step that comes
 * earlier (so list order is always a valid serial order).
 */
export function verifyStepList(steps: readonly Step[]): void {
  const seen = new Set<string>();
  for (const step of steps) {
    if (seen.has(step.id)) throw new Error(`Duplicate step id "${step.id}" in the step list.`);
    for (const dep of step.after) {
      if (!seen.has(dep)) throw new Error(`Step "${step.id}" runs after "${dep}", which is not earlier in the step list.`);
    }
    seen.add(step.id);
  }
}

export function findStep(steps: readonly Step[], id: string, flag: string): Step {
  const step = steps.find((s) => s.id === id);
  if (!step) {
    throw new UsageError(`${flag} ${id}: no such step.`, [`Steps: ${steps.map((s) => s.id).join(', ')}`]);
  }
  return step;
}

/** `id` and every step after it in list order (`--from`). */
export function fromOnward(steps: readonly Step[], id: string): Set<string> {
  const index = steps.findIndex((s) => s.id === id);
  return new Set(steps.slice(index).map((s) => s.id));
}
