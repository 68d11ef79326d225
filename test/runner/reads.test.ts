import { describe, expect, it } from 'vitest';
import { kubectlGet, recordingAzure, recordingKube, type ReadEvent } from '../../runner/reads.js';
import type { KubeApi, KubeObject, KubeResource } from '../../runner/step.js';

/**
 * In-process reads start no process, but each one reaches the notebook (and a plan) as the
 * command a person would type to see the same; a wait lists, then watches, and shows once.
 */
const PODS: KubeResource = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const pod = (name: string, phase: string): KubeObject => ({ metadata: { name, namespace: 'demo' }, status: { phase } });

function harness(mode: 'run' | 'plan' = 'run') {
  let now = 0;
  const events: ReadEvent[] = [];
  const logs: string[] = [];
  const deps = {
    mode,
    clock: {
      now: () => new Date(now),
      // World time jumps, except an hour-long nap: it lasts until the wait cuts it short (a watch event).
      sleep: (ms: number, signal?: AbortSignal) =>
        ms >= 3_600_000
          ? new Promise<void>((_resolve, reject) =>
              signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
            )
          : Promise.resolve(void (now += ms)),
    },
    signal: new AbortController().signal,
    emit: (e: ReadEvent) => events.push(e),
    log: (l: string) => logs.push(l),
  };
  return { deps, events, logs, advance: (ms: number) => (now += ms) };
}

describe('in-process reads as the notebook shows them', () => {
  it('a wait lists, then watches until the condition holds, and shows one kubectl command', async () => {
    const h = harness();
    let onChange: ((type: string, o: KubeObject) => void) | undefined;
    const api: KubeApi = {
      currentContext: async () => 'aks',
      list: async () => ({ items: [pod('demo-signed', 'Pending')], resourceVersion: '7' }),
      get: async () => undefined,
      watch: (_k, _r, _q, rv, cb) => {
        expect(rv).toBe('7');
        onChange = cb;
        // The pod starts while the watch is open.
        setTimeout(() => onChange?.('MODIFIED', pod('demo-signed', 'Running')), 5);
        return { ended: new Promise(() => {}), stop: () => {} };
      },
    };
    const kube = recordingKube(api, '/state/kubeconfig', h.deps);
    const phase = await kube.waitFor(
      'the pod to run',
      PODS,
      { namespace: 'demo' },
      (pods) => ((pods?.[0]?.status as { phase?: string } | undefined)?.phase === 'Running' ? 'yes' : undefined),
      {
        timeoutMs: 7_200_000,
        intervalMs: 3_600_000,
        planned: 'planned',
      },
    );
    expect(phase).toBe('yes');
    expect(h.events).toEqual([
      expect.objectContaining({
        argv: ['kubectl', 'get', 'pods', '-n', 'demo', '-o', 'name'],
        exitCode: 0,
        stdout: 'pod/demo-signed\n',
        planned: false,
      }),
    ]);
  });

  it('gives up at the timeout in world time, naming what it waited for', async () => {
    const h = harness();
    const api: KubeApi = {
      currentContext: async () => undefined,
      list: async () => undefined, // the type is not served (yet)
      get: async () => undefined,
      watch: () => ({ ended: Promise.resolve(), stop: () => {} }),
    };
    const kube = recordingKube(api, '/k', h.deps);
    await expect(
      kube.waitFor('the constraint', PODS, {}, () => undefined, {
        timeoutMs: 60_000,
        intervalMs: 10_000,
        planned: 1,
        note: 'syncs every 15 minutes',
      }),
    ).rejects.toThrow(/Gave up waiting for the constraint after 1m00s\. syncs every 15 minutes/);
    expect(h.logs[0]).toMatch(/^waiting for the constraint: 0 ms elapsed/);
  });

  it('while the type is not served yet (no watch possible), it lists once per interval, not in a loop', async () => {
    // World time passes only as real timers fire (a scaled clock): a wait that does not sleep
    // between two lists lists as fast as the API answers.
    let now = 0;
    const deps = {
      ...harness().deps,
      clock: {
        now: () => new Date(now),
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(() => resolve(void (now += ms)), 2)),
      },
    };
    let lists = 0;
    const api: KubeApi = {
      currentContext: async () => undefined,
      list: async () => {
        lists += 1;
        await new Promise((resolve) => setImmediate(resolve)); // an answer over the network
        return now >= 30_000 ? { items: [pod('c', 'Running')], resourceVersion: '1' } : undefined;
      },
      get: async () => undefined,
      watch: () => ({ ended: new Promise(() => {}), stop: () => {} }),
    };
    const kube = recordingKube(api, '/k', deps);
    const found = await kube.waitFor('the constraint', PODS, {}, (o) => (o?.length ? 'found' : undefined), {
      timeoutMs: 60_000,
      intervalMs: 10_000,
      planned: 'planned',
    });
    expect(found).toBe('found');
    expect(lists).toBe(4); // at 0, 10, 20 and 30 s
  });

  it('a plan reads nothing: it records the shown commands (with what they capture) and returns the planned value', async () => {
    const h = harness('plan');
    const never = (): never => {
      throw new Error('a plan must not read');
    };
    const azure = recordingAzure({ getById: never, listTagged: never, list: never, caller: never }, h.deps);
    expect(
      await azure.getById('/x', '2023-01-01', { shows: [{ argv: ['az', 'keyvault', 'show', '--query', 'id'], capture: 'keyVaultId' }] }),
    ).toBeUndefined();
    const kube = recordingKube({ currentContext: never, list: never, get: never, watch: never }, '/k', h.deps);
    expect(await kube.waitFor('x', PODS, {}, () => 'real', { timeoutMs: 1, intervalMs: 1, planned: '<step.value>' })).toBe('<step.value>');
    expect(h.events.map((e) => [e.argv.join(' '), e.capture, e.planned])).toEqual([
      ['az keyvault show --query id', 'keyVaultId', true],
      ['kubectl get pods -A -o name', undefined, true],
    ]);
  });

  it('a missing object reads as kubectl would print it', async () => {
    const h = harness();
    const kube = recordingKube(
      {
        currentContext: async () => 'c',
        list: async () => undefined,
        get: async () => undefined,
        watch: () => ({ ended: Promise.resolve(), stop: () => {} }),
      },
      '/k',
      h.deps,
    );
    expect(await kube.get(PODS, 'gone', 'demo')).toBeUndefined();
    expect(h.events[0]).toMatchObject({
      argv: kubectlGet(PODS, { name: 'gone', namespace: 'demo' }),
      exitCode: 1,
      stderr: 'Error from server (NotFound): pods "gone" not found\n',
    });
  });
});
