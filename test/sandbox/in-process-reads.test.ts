import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAzureReader } from '../../cli/azure-reader.js';
import { createKubeApi } from '../../cli/kube-reader.js';
import { NAMESPACES, PODS, RATIFY_CONSTRAINTS } from '../../steps/_shared/kube.js';
import type { KubeObject } from '../../runner/step.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { ANSWERS, azIn, openWorld, type TestWorld } from '../helpers/sandbox-world.js';

/**
 * The runbook's in-process reads against the sandbox over real HTTPS: @kubernetes/client-node
 * with the state dir's kubeconfig (server, CA, token as `az aks get-credentials` wrote them)
 * and @azure/arm-resources' pipeline for ARM collections; no process is started for them.
 */
let w: TestWorld;
const CONSTRAINTS = RATIFY_CONSTRAINTS;
const api = createKubeApi();
const az = azIn(() => w);

beforeAll(async () => {
  ensureToolsBuilt();
  w = await openWorld({ latency: 'demo' });
  await az('aks', 'get-credentials', '-g', ANSWERS.resourceGroup, '-n', ANSWERS.aksName, '--file', w.kubeconfig);
});
afterAll(async () => w?.close());

describe('in-process reads against the sandbox', () => {
  test('client-node lists, gets, and reports a type that is not served (yet) as undefined', async () => {
    expect(await api.currentContext(w.kubeconfig)).toBe(ANSWERS.aksName);
    const pods = await api.list(w.kubeconfig, PODS, { namespace: 'kube-system' });
    expect(pods?.items.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^coredns-/), expect.stringMatching(/^azure-policy-/)]),
    );
    expect(pods?.resourceVersion).toMatch(/^\d+$/);
    expect((await api.get(w.kubeconfig, NAMESPACES, 'kube-system'))?.metadata.name).toBe('kube-system');
    expect(await api.get(w.kubeconfig, NAMESPACES, 'nope')).toBeUndefined();
    // Ratify's constraint kind exists only once the policy add-on has synced a template.
    expect(await api.list(w.kubeconfig, CONSTRAINTS, {})).toBeUndefined();
  });

  test('a client-node watch sees a pod the fake kubectl creates, and its start', async () => {
    await w.run(['kubectl', 'create', 'namespace', 'watch-demo']);
    const listed = await api.list(w.kubeconfig, PODS, { namespace: 'watch-demo' });
    const seen: string[] = [];
    let done: () => void = () => {};
    const running = new Promise<void>((resolve) => (done = resolve));
    const handle = api.watch(w.kubeconfig, PODS, { namespace: 'watch-demo' }, listed!.resourceVersion, (type: string, o: KubeObject) => {
      seen.push(`${type} ${o.metadata.name} ${(o.status as { phase?: string }).phase}`);
      if ((o.status as { phase?: string }).phase === 'Running') done();
    });
    expect(await w.run(['kubectl', 'run', 'web', '-n', 'watch-demo', '--image=docker.io/library/nginx:1.27'])).toMatchObject({ code: 0 });
    await running;
    handle.stop();
    expect(seen[0]).toBe('ADDED web Pending');
    expect(seen.at(-1)).toBe('MODIFIED web Running');
  });

  test("ARM collections in one GET: a scope's role assignments for a principal, a provider's state, registries by name", async () => {
    const reader = createAzureReader(w.handle.profile);
    const sub = await az('account', 'show', '--query', 'id', '-o', 'tsv');
    const acrId = await az('acr', 'show', '-n', ANSWERS.acrName, '--query', 'id', '-o', 'tsv');
    const principal = await az('identity', 'create', '-n', 'id-reads', '-g', ANSWERS.resourceGroup, '--query', 'principalId', '-o', 'tsv');
    await az(
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      principal,
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      'AcrPull',
      '--scope',
      acrId,
      '-o',
      'none',
    );
    const listed = await reader.list(`${acrId}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01', {
      filter: `principalId eq '${principal}'`,
    });
    expect(listed.map((a) => (a.properties as { roleDefinitionId: string }).roleDefinitionId)).toEqual([
      expect.stringMatching(/\/7f951dda-4ed3-4680-a7ca-43fe172d538d$/),
    ]);
    expect(
      await reader.list(`${acrId}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01', {
        filter: "principalId eq 'someone-else'",
      }),
    ).toEqual([]);
    const provider = await reader.getById(`/subscriptions/${sub}/providers/Microsoft.PolicyInsights`, '2021-04-01');
    expect((provider as { registrationState?: string } | undefined)?.registrationState).toBe('Registered');
    const registries = await reader.list(`/subscriptions/${sub}/resources`, '2021-04-01', {
      filter: `resourceType eq 'Microsoft.ContainerRegistry/registries' and name eq '${ANSWERS.acrName}'`,
    });
    expect(registries.map((r) => r.id?.toLowerCase())).toEqual([acrId.toLowerCase()]);
    // The caller, from the ARM token: the signed-in user.
    expect(await reader.caller()).toEqual({
      objectId: await az('ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'),
      type: 'User',
    });
  });
});
