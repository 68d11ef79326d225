import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { ANSWERS, azIn, openWorld, type TestWorld } from '../helpers/sandbox-world.js';

/**
 * The runbook's @azure/arm-resources checks run over real HTTPS against the
 * sandbox's ARM endpoint, with only the cloud profile (endpoint, credential, CA) differing.
 */
let w: TestWorld;
let client: ResourceManagementClient;
let sub = '';
const ids: Record<string, string> = {};
const { resourceGroup: RG, aksName: AKS, acrName: ACR } = ANSWERS;

const az = azIn(() => w);

beforeAll(async () => {
  ensureToolsBuilt();
  w = await openWorld();
  const p = w.handle.profile;
  sub = await az('account', 'show', '--query', 'id', '-o', 'tsv');
  // The CA is passed in-process through the pipeline's tlsOptions: no NODE_EXTRA_CA_CERTS needed.
  client = new ResourceManagementClient(p.credential, sub, {
    endpoint: p.armEndpoint,
    tlsOptions: { ca: p.tlsCa! },
    retryOptions: { maxRetries: 0 },
  });
  ids.rg = `/subscriptions/${sub}/resourceGroups/${RG}`;
  ids.aks = await az('aks', 'show', '-g', RG, '-n', AKS, '--query', 'id', '-o', 'tsv');
  ids.acr = await az('acr', 'show', '-n', ACR, '--query', 'id', '-o', 'tsv');
  ids.kv = await az('keyvault', 'create', '-n', 'kv-arm-1', '-g', RG, '--tags', 'ratify-runbook-run=r1', '--query', 'id', '-o', 'tsv');
  ids.identity = await az('identity', 'create', '-n', 'id-arm', '-g', RG, '--tags', 'ratify-runbook-run=r1', '--query', 'id', '-o', 'tsv');
  ids.fic = await az(
    'identity',
    'federated-credential',
    'create',
    '--name',
    'fic',
    '--identity-name',
    'id-arm',
    '-g',
    RG,
    '--issuer',
    'https://x/',
    '--subject',
    'system:serviceaccount:gatekeeper-system:ratify-admin',
    '--query',
    'id',
    '-o',
    'tsv',
  );
  const principal = await az('identity', 'show', '-n', 'id-arm', '-g', RG, '--query', 'principalId', '-o', 'tsv');
  ids.role = await az(
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
    ids.acr,
    '--query',
    'id',
    '-o',
    'tsv',
  );
  ids.definition = await az(
    'policy',
    'definition',
    'create',
    '--name',
    'def-arm',
    '--rules',
    '{"if":{"field":"type","equals":"x"},"then":{"effect":"audit"}}',
    '--mode',
    'Microsoft.Kubernetes.Data',
    '--query',
    'id',
    '-o',
    'tsv',
  );
  ids.assignment = await az(
    'policy',
    'assignment',
    'create',
    '--policy',
    ids.definition,
    '--name',
    'asg-arm',
    '--scope',
    ids.aks,
    '--query',
    'id',
    '-o',
    'tsv',
  );
});
afterAll(async () => w?.close());

describe('ARM endpoint over HTTPS', () => {
  test('GET by id returns the ARM shape for every resource type the flow creates', async () => {
    const kv = await client.resources.getById(ids.kv!, '2023-07-01');
    expect(kv).toMatchObject({ id: ids.kv, name: 'kv-arm-1', type: 'Microsoft.KeyVault/vaults', tags: { 'ratify-runbook-run': 'r1' } });
    expect((kv.properties as { enableRbacAuthorization: boolean; vaultUri: string }).vaultUri).toBe('https://kv-arm-1.vault.azure.net/');
    const aks = await client.resources.getById(ids.aks!, '2024-09-01');
    expect((aks.properties as { oidcIssuerProfile: Record<string, unknown> }).oidcIssuerProfile).toHaveProperty('issuerURL');
    const versions = {
      acr: '2023-07-01',
      identity: '2023-01-31',
      fic: '2022-01-31-preview',
      role: '2022-04-01',
      definition: '2021-06-01',
      assignment: '2022-06-01',
    };
    for (const key of ['acr', 'identity', 'fic', 'role', 'definition', 'assignment'] as const) {
      const r = await client.resources.getById(ids[key]!, versions[key]);
      expect(r.id?.toLowerCase()).toBe(ids[key]!.toLowerCase());
    }
    const rg = await client.resourceGroups.get(RG);
    expect(rg).toMatchObject({ name: RG, location: 'eastus' });
  });

  test('list by resource group and by tag', async () => {
    const inRg: string[] = [];
    for await (const r of client.resources.listByResourceGroup(RG)) inRg.push(r.type!);
    expect(inRg).toEqual(
      expect.arrayContaining([
        'Microsoft.KeyVault/vaults',
        'Microsoft.ContainerRegistry/registries',
        'Microsoft.ContainerService/ManagedClusters',
        'Microsoft.ManagedIdentity/userAssignedIdentities',
      ]),
    );
    const tagged: string[] = [];
    for await (const r of client.resources.list({ filter: "tagName eq 'ratify-runbook-run' and tagValue eq 'r1'" })) tagged.push(r.name!);
    expect(tagged.sort()).toEqual(['id-arm', 'kv-arm-1']);
  });

  test('missing resources answer with ARM 404 bodies', async () => {
    await expect(client.resources.getById(`${ids.rg}/providers/Microsoft.KeyVault/vaults/nope`, '2023-07-01')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(
      client.resources.getById(`/subscriptions/${sub}/resourceGroups/no-rg/providers/Microsoft.KeyVault/vaults/nope`, '2023-07-01'),
    ).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
    await expect(client.resourceGroups.get('no-rg')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
    expect(await client.resources.checkExistenceById(ids.kv!, '2023-07-01')).toMatchObject({ body: true });
  });

  test('the credential issues sandbox JWTs; a bad token or an untrusted CA is refused', async () => {
    const token = await w.handle.profile.credential.getToken('https://management.azure.com/.default');
    expect(token?.token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    const bad = new ResourceManagementClient({ getToken: async () => ({ token: 'x.y.z', expiresOnTimestamp: Date.now() + 60_000 }) }, sub, {
      endpoint: w.handle.profile.armEndpoint,
      tlsOptions: { ca: w.handle.profile.tlsCa! },
      retryOptions: { maxRetries: 0 },
    });
    await expect(bad.resourceGroups.get(RG)).rejects.toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationToken' });
    const untrusted = new ResourceManagementClient(w.handle.profile.credential, sub, {
      endpoint: w.handle.profile.armEndpoint,
      retryOptions: { maxRetries: 0 },
    });
    await expect(untrusted.resourceGroups.get(RG)).rejects.toThrow(/certificate/i);
  });
});
