import { describe, expect, it } from 'vitest';
import { cleanupImageIntegrity } from '../../steps/cleanup-image-integrity.js';
import { azArgv, fakeContext } from '../helpers/step-context.js';
import { AKS_ID, answers, outputs, RG_ID } from './fixtures.js';

const cluster = (enabled: boolean) => ({ id: AKS_ID, properties: { securityProfile: { imageIntegrity: { enabled } } } });
const assignment = `${RG_ID}/providers/Microsoft.Authorization/policyAssignments/deploy-trustedimages`;
/** The cluster (ARM, read with the preview API) and, when given, the initiative's assignment at the resource group. */
const azure = (enabled: boolean, assigned: boolean) => ({
  [AKS_ID]: cluster(enabled),
  ...(assigned ? { [assignment]: { id: assignment } } : {}),
});
/** The AKS-managed pods in gatekeeper-system, listed in turn: each entry is one list's answer. */
const managedPods = (...reads: string[][]) => ({
  'pods/gatekeeper-system': reads.map((names) => names.map((name) => ({ metadata: { name, namespace: 'gatekeeper-system' } }))),
});
const ratifyPod = 'ratify-5d8f7c9b4-x2k8q';

describe('cleanup-image-integrity', () => {
  it('deletes the assignment first, then disables the feature, then waits for its Ratify to leave', async () => {
    const f = fakeContext({
      stepId: 'cleanup-image-integrity',
      answers,
      outputs,
      azure: azure(true, true),
      kube: managedPods([ratifyPod], []),
    });
    expect(await cleanupImageIntegrity.run(f.ctx)).toEqual({ removed: 'true' });
    expect(f.mutating()).toEqual([
      azArgv('policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', RG_ID),
      azArgv('aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--disable-image-integrity'),
    ]);
    expect(f.logs.join('\n')).toContain('waiting for the Image Integrity Ratify pods to leave');
  });

  it('check: not done while the switch is off but AKS has not yet removed its Ratify (a run stopped in the wait)', async () => {
    const waiting = fakeContext({
      stepId: 'cleanup-image-integrity',
      answers,
      outputs,
      azure: azure(false, false),
      kube: managedPods([ratifyPod, 'gatekeeper-audit-7c9b']),
    });
    expect(await cleanupImageIntegrity.check(waiting.ctx)).toBeUndefined();

    const gone = fakeContext({
      stepId: 'cleanup-image-integrity',
      answers,
      outputs,
      azure: azure(false, false),
      kube: managedPods(['gatekeeper-audit-7c9b']),
    });
    expect(await cleanupImageIntegrity.check(gone.ctx)).toEqual({ removed: 'false' });
  });

  it('resumed after the switch went off: changes nothing, only waits for the pods to leave', async () => {
    const f = fakeContext({
      stepId: 'cleanup-image-integrity',
      answers,
      outputs,
      azure: azure(false, false),
      kube: managedPods([ratifyPod], [ratifyPod], []),
    });
    await cleanupImageIntegrity.run(f.ctx);
    expect(f.mutating()).toEqual([]);
    // It waited (the first list still found the pod) rather than returning at once.
    expect(f.logs.join('\n')).toContain('waiting for the Image Integrity Ratify pods to leave');
  });

  it('check: still on while an assignment remains or the switch is on', async () => {
    const assigned = fakeContext({ stepId: 'cleanup-image-integrity', answers, outputs, azure: azure(false, true) });
    expect(await cleanupImageIntegrity.check(assigned.ctx)).toBeUndefined();
    const on = fakeContext({ stepId: 'cleanup-image-integrity', answers, outputs, azure: azure(true, false) });
    expect(await cleanupImageIntegrity.check(on.ctx)).toBeUndefined();
  });
});
