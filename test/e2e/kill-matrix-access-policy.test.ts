import { describe, it } from 'vitest';
import { crashAtEveryTarget } from '../helpers/kill-chain.js';

/**
 * The sandbox's `crash` fault applies a call's change and then SIGKILLs the runbook before the
 * answer arrives: the worst moment for a client. For every mutating command of the flow (access-policy
 * vault), a run crashes right there and the next run resumes; the run converges to verify, the
 * world holds exactly one of each resource, and a teardown leaves nothing of the run.
 */
describe('kill matrix (access-policy vault)', () => {
  it('a crash at every mutating command, then a resume: converges, one of each, teardown leaves nothing', async () => {
    await crashAtEveryTarget('access-policy');
  }, 900_000);
});
