import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMutating, readCalls, type Call } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const order = [
  'preflight',
  'cleanup-image-integrity',
  'cluster-prereqs',
  'key-vault',
  'signer-access',
  'certificate',
  'notation-setup',
  'build-and-sign',
  'ratify-identity',
  'ratify-install',
  'policy',
  'verify',
];
const run = (stateDir: string, ...extra: string[]) =>
  runCli(['run', '--sandbox', '--serial', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...extra]);

/**
 * The fault's target (every matching call fails, `*0`): the leading words of the step's first mutating command that no
 * earlier command starts with. Read-only steps tolerate some failed reads by design (a
 * missing notation is a warning in preflight), so for them the step's last az read is used (or its
 * last read, in a step that runs no az).
 */
function faultPrefix(calls: readonly Call[], step: string): string {
  // notation-setup runs nothing when preflight's reads pass: fault the read it would repeat,
  // which stops preflight, the step that makes it.
  if (step === 'notation-setup' && !calls.some((c) => c.step === step)) return 'notation plugin ls';
  const mutating = calls.findIndex((c) => c.step === step && isMutating(c.argv));
  const lastAz = calls.findLastIndex((c) => c.step === step && c.argv[0] === 'az');
  const index = mutating >= 0 ? mutating : lastAz >= 0 ? lastAz : calls.findLastIndex((c) => c.step === step);
  const call = calls[index];
  if (!call) throw new Error(`no call for ${step}`);
  const earlier = calls.slice(0, index).map((c) => c.argv.join(' '));
  const words = call.argv.filter((a, i, all) => all[i - 1] !== '--subscription' && a !== '--subscription');
  for (let n = 2; n <= words.length; n++) {
    const prefix = words.slice(0, n).join(' ');
    if (!earlier.some((line) => line.startsWith(prefix))) return prefix;
  }
  return words.join(' ');
}

/** The step whose call the prefix hits first in the baseline run: where the fault stops the run. */
function firstHit(calls: readonly Call[], prefix: string): string {
  const words = (argv: readonly string[]) => argv.filter((a, i, all) => all[i - 1] !== '--subscription' && a !== '--subscription');
  const hit = calls.find((c) => words(c.argv).join(' ').startsWith(prefix));
  if (!hit) throw new Error(`no call starts with ${prefix}`);
  return hit.step;
}

describe('resume after a permanent fault in each step (sandbox, serial)', () => {
  it('each step: exit 1 naming it, then the next run finishes without repeating earlier mutations', async () => {
    const baselineDir = await tempDir();
    const baseline = await run(baselineDir);
    expect(baseline.code, baseline.stderr).toBe(0);
    const calls = await readCalls(baselineDir);

    for (const step of order) {
      const stateDir = await tempDir();
      const prefix = faultPrefix(calls, step);
      const stopsAt = firstHit(calls, prefix);
      expect(order.indexOf(stopsAt), `${step}: ${prefix}`).toBeLessThanOrEqual(order.indexOf(step));
      const failed = await run(stateDir, '--sandbox-fault', `${prefix}=permanent*0`);
      expect(failed.code, `${step}: ${failed.stderr}`).toBe(1);
      expect(failed.stderr).toContain(`Step "${stopsAt}"`);
      expect(failed.stderr).toContain(`it resumes at "${stopsAt}"`);
      const before = (await readCalls(stateDir)).length;

      const resumed = await run(stateDir);
      expect(resumed.code, `${step} (resume): ${resumed.stderr}`).toBe(0);
      const earlierSteps = new Set(order.slice(0, order.indexOf(stopsAt)));
      const repeated = (await readCalls(stateDir)).slice(before).filter((c) => earlierSteps.has(c.step) && isMutating(c.argv));
      expect(
        repeated.map((c) => `${c.step}: ${c.argv.join(' ')}`),
        step,
      ).toEqual([]);
    }
  }, 600_000);
});
