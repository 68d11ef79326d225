import { describe, expect, it } from 'vitest';
import { IMAGE_INTEGRITY_OWNER } from '../../sandbox/world/cluster.js';
import { tempDir } from '../helpers/engine-harness.js';
import { killed, run } from '../helpers/kill-chain.js';
import { worldOf } from '../helpers/world-checks.js';

/**
 * AKS removes Image Integrity's own Ratify minutes after the switch goes off. A run killed
 * during that wait must wait again on resume: were the step taken as done, Helm would later find
 * a Deployment "ratify" it does not own and refuse to install (the flake CI once showed).
 */
describe('a run killed while it waits for Image Integrity to leave', () => {
  it('resumes the wait: the step ends only once the AKS-managed Ratify is gone', async () => {
    const stateDir = await tempDir();
    // realistic:0.05: the removal takes 9 s of real time, long enough to outlast a resume.
    const latency = ['--sandbox-latency', 'realistic:0.05'];
    // Killed the moment the switch went off (the change is made, the answer never arrives), before the wait.
    const disable = 'az aks update -g myResourceGroup -n myAKSCluster --disable-image-integrity=crash';
    killed(await run(stateDir, 'rbac', ...latency, '--sandbox-fault', disable), 'the disable');
    const leaving = managedRatify(stateDir);
    expect(leaving.length, 'the feature was switched off before the kill').toBeGreaterThan(0);

    // Without --sandbox-latency: the world keeps the speed its pending removal was timed at.
    const resumed = await run(stateDir, 'rbac', '--only', 'cleanup-image-integrity');
    const finished = Date.now();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('waiting for the Image Integrity Ratify pods to leave');
    for (const o of leaving) expect(o.goneAt, `${o.key} outlived the step`).toBeLessThanOrEqual(finished);
  }, 120_000);
});

function managedRatify(stateDir: string): { key: string; goneAt: number }[] {
  const cluster = Object.values(worldOf(stateDir).clusters)[0];
  return Object.entries(cluster?.objects ?? {})
    .filter(([, o]) => o.sandbox?.owner === IMAGE_INTEGRITY_OWNER)
    .map(([key, o]) => ({ key, goneAt: o.sandbox?.goneAt ?? Number.POSITIVE_INFINITY }));
}
