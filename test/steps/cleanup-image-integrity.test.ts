import { describe, expect, it } from 'vitest';
import { cleanupImageIntegrity } from '../../steps/cleanup-image-integrity.js';
import { azArgv, fakeContext, type ScriptEntry } from '../helpers/step-context.js';
import { AKS_ID, answers, outputs, RG_ID } from './fixtures.js';

const cluster = (enabled: boolean) => ({ id: AKS_ID, properties: { securityProfile: { imageIntegrity: { enabled } } } });
const assignment = `${RG_ID}/providers/Microsoft.Authorization/policyAssignments/deploy-trustedimages`;
const listAssignments = (ids: string[]): ScriptEntry => ({ prefix: ['az', 'policy', 'assignment', 'list'], result: { stdout: ids.map((id) => `${id}\n`).join('') } });
/** The AKS-managed pods, listed in turn: each entry is one read's answer. */
const managedPods = (...reads: string[][]): ScriptEntry => ({
  prefix: ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system'],
  result: reads.map((names) => ({ stdout: names.map((n) => `${n}\n`).join('') })),
});
const ratifyPod = 'pod/ratify-5d8f7c9b4-x2k8q';

describe('cleanup-image-integrity', () => {
  it('deletes the assignment first, then disables the feature, then waits for its Ratify to leave', async () => {
    const f = fakeContext({
      stepId: 'cleanup-image-integrity', answers, outputs,
      azure: { [AKS_ID]: cluster(true) },
      script: [listAssignments([assignment]), managedPods([ratifyPod], [])],
    });
    expect(await cleanupImageIntegrity.run(f.ctx)).toEqual({ removed: 'true' });
    expect(f.mutating()).toEqual([
      azArgv('policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', RG_ID),
      azArgv('aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--disable-image-integrity'),
    ]);
    expect(f.argvs().filter((a) => a[0] === 'kubectl')).toHaveLength(2);
  });

  it('check: not done while the switch is off but AKS has not yet removed its Ratify (a run stopped in the wait)', async () => {
    const waiting = fakeContext({
      stepId: 'cleanup-image-integrity', answers, outputs,
      azure: { [AKS_ID]: cluster(false) },
      script: [listAssignments([]), managedPods([ratifyPod, 'pod/gatekeeper-audit-7c9b'])],
    });
    expect(await cleanupImageIntegrity.check(waiting.ctx)).toBeUndefined();

    const gone = fakeContext({
      stepId: 'cleanup-image-integrity', answers, outputs,
      azure: { [AKS_ID]: cluster(false) },
      script: [listAssignments([]), managedPods(['pod/gatekeeper-audit-7c9b'])],
    });
    expect(await cleanupImageIntegrity.check(gone.ctx)).toEqual({ removed: 'false' });
  });

  it('resumed after the switch went off: changes nothing, only waits for the pods to leave', async () => {
    const f = fakeContext({
      stepId: 'cleanup-image-integrity', answers, outputs,
      azure: { [AKS_ID]: cluster(false) },
      script: [listAssignments([]), managedPods([ratifyPod], [ratifyPod], [])],
    });
    await cleanupImageIntegrity.run(f.ctx);
    expect(f.mutating()).toEqual([]);
    expect(f.argvs().filter((a) => a[0] === 'kubectl')).toHaveLength(3);
  });

  it('check: still on while an assignment remains or the switch is on', async () => {
    const assigned = fakeContext({ stepId: 'cleanup-image-integrity', answers, outputs, azure: { [AKS_ID]: cluster(false) }, script: [listAssignments([assignment])] });
    expect(await cleanupImageIntegrity.check(assigned.ctx)).toBeUndefined();
    const on = fakeContext({ stepId: 'cleanup-image-integrity', answers, outputs, azure: { [AKS_ID]: cluster(true) }, script: [listAssignments([])] });
    expect(await cleanupImageIntegrity.check(on.ctx)).toBeUndefined();
  });
});
