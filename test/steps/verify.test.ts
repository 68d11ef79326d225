import { describe, expect, it } from 'vitest';
import { verify } from '../../steps/verify.js';
import { fakeContext, type ScriptEntry } from '../helpers/step-context.js';
import { answers, outputs } from './fixtures.js';

const DENIAL =
  'Error from server (Forbidden): admission webhook "validation.gatekeeper.sh" denied the request: [azurepolicy-ratifyverification-abc] Subject failed verification: myregistry4ratify.azurecr.io/net-watcher:v1';
const script: ScriptEntry[] = [{ prefix: ['kubectl', 'run', 'demo-unsigned'], result: { exitCode: 1, stderr: DENIAL } }];
/** The demo namespace and the signed pod, as the cluster's API lists them. */
const cluster = (status: Record<string, unknown>) => ({
  namespaces: [[{ metadata: { name: 'demo' } }]],
  'pods/demo': [[{ metadata: { name: 'demo-signed', namespace: 'demo' }, status }]],
});

describe('verify', () => {
  it('Deny: signed runs, unsigned is denied with the message matched; test pods removed', async () => {
    const f = fakeContext({ stepId: 'verify', answers, outputs, script, kube: cluster({ phase: 'Running' }) });
    const out = await verify.run(f.ctx);
    expect(out).toEqual({
      signedAdmitted: 'true',
      unsignedDenied: 'true',
      denialMessage: expect.stringContaining('Subject failed verification'),
    });
    expect(f.argvs()).toContainEqual([
      'kubectl',
      'run',
      'demo-signed',
      '-n',
      'demo',
      `--image=${outputs['build-and-sign']?.signedRef}`,
      '--restart=Never',
      '--labels=ratify-runbook-run=run1',
    ]);
    expect(f.argvs().at(-1)).toEqual(['kubectl', 'delete', 'pod', 'demo-signed', 'demo-unsigned', '-n', 'demo', '--ignore-not-found']);
    // The namespace exists (no apply); the pod's status is watched through the API, not polled with kubectl.
    expect(f.processes().map((a) => a.slice(0, 3).join(' '))).toEqual([
      'kubectl delete pod',
      'kubectl run demo-signed',
      'kubectl run demo-unsigned',
      'kubectl delete pod',
    ]);
  });

  it('removes leftover test pods only when the namespace holds one: none in a namespace it just made, none when the list shows neither', async () => {
    const running = { phase: 'Running' };
    const signedPod = { metadata: { name: 'demo-signed', namespace: 'demo' }, status: running };
    const other = { metadata: { name: 'web', namespace: 'demo' }, status: running };
    const processes = (f: { processes(): string[][] }) => f.processes().map((a) => a.slice(0, 3).join(' '));
    // The namespace exists and holds another pod only: it is listed, and nothing is deleted first.
    const clean = fakeContext({
      stepId: 'verify',
      answers,
      outputs,
      script,
      kube: { namespaces: [[{ metadata: { name: 'demo' } }]], 'pods/demo': [[other], [signedPod]] },
    });
    await verify.run(clean.ctx);
    expect(clean.argvs()[1]).toEqual(['kubectl', 'get', 'pods', '-n', 'demo', '-o', 'name']);
    expect(processes(clean)).toEqual(['kubectl run demo-signed', 'kubectl run demo-unsigned', 'kubectl delete pod']);
    // An earlier attempt's pod is there: it is deleted before the new one starts.
    const leftover = fakeContext({
      stepId: 'verify',
      answers,
      outputs,
      script,
      kube: { namespaces: [[{ metadata: { name: 'demo' } }]], 'pods/demo': [[signedPod]] },
    });
    await verify.run(leftover.ctx);
    expect(processes(leftover)).toEqual([
      'kubectl delete pod',
      'kubectl run demo-signed',
      'kubectl run demo-unsigned',
      'kubectl delete pod',
    ]);
    // No namespace yet: it is created, and holds no pods to look for.
    const fresh = fakeContext({ stepId: 'verify', answers, outputs, script, kube: { 'pods/demo': [[signedPod]] } });
    await verify.run(fresh.ctx);
    expect(processes(fresh)).toEqual(['kubectl apply -f', 'kubectl run demo-signed', 'kubectl run demo-unsigned', 'kubectl delete pod']);
    expect(fresh.argvs()).not.toContainEqual(['kubectl', 'get', 'pods', '-n', 'demo', '-o', 'name']);
  });

  it('ImagePullBackOff is a pull problem; logs are saved under logs/', async () => {
    const f = fakeContext({
      stepId: 'verify',
      answers,
      outputs,
      script,
      kube: cluster({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] }),
    });
    await expect(verify.run(f.ctx)).rejects.toThrow(/cannot pull the image/);
    expect([...f.files.keys()]).toEqual(['logs/verify-ratify.log', 'logs/verify-gatekeeper.log', 'logs/verify-azure-policy.log']);
    expect(verify.knownFailures?.some((k) => k.match.test('ImagePullBackOff'))).toBe(true);
  });
});
