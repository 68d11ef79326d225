import { describe, expect, it } from 'vitest';
import { steps } from '../../steps/index.js';
import { SUB, fakeContext } from '../helpers/step-context.js';
import { answers, outputs as fixtureOutputs } from './fixtures.js';

/**
 * The exact commands of the steps that have no dedicated test file, on a fresh world (plan
 * mode: existence probes find nothing), in both vault modes (none of these depends on it).
 * Each list reads like the corrected blog step (docs/errata.md).
 */
const AKS = `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/managedClusters/myAKSCluster`;
const outputs = {
  ...fixtureOutputs,
  preflight: {
    subscriptionId: SUB,
    tenantId: 'tenant-1',
    callerObjectId: 'caller-1',
    callerType: 'User',
    helmMajor: '4',
    entraId: 'false',
  },
  'cluster-prereqs': { aksId: AKS, oidcIssuer: 'https://issuer/', kubeconfig: '/state/kubeconfig' },
};
const sub = ['--subscription', SUB];
const ACR = `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myregistry4ratify`;

// In-process reads (ARM SDK, the cluster's API) appear as the commands a person would type to see
// the same: that is what the notebook and a plan show. `processes` lists what actually starts.
const jsonpathPods = 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}';
const jsonpathConstraints = 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.enforcementAction}{"\\n"}{end}';
const RG_SCOPE = `/subscriptions/${SUB}/resourceGroups/myResourceGroup`;

const expected: Record<string, string[][]> = {
  'provision-base': [
    ['az', 'group', 'show', '-n', 'myResourceGroup', '-o', 'none', ...sub],
    ['az', 'group', 'create', '-n', 'myResourceGroup', '-l', 'eastus', '--tags', 'ratify-runbook-run=run1', ...sub],
    ['az', 'acr', 'show', '-n', 'myregistry4ratify', '-g', 'myResourceGroup', '-o', 'none', ...sub],
    [
      'az',
      'acr',
      'create',
      '-n',
      'myregistry4ratify',
      '-g',
      'myResourceGroup',
      '--sku',
      'Standard',
      '-l',
      'eastus',
      '--tags',
      'ratify-runbook-run=run1',
      ...sub,
    ],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '-o', 'none', ...sub],
    [
      'az',
      'aks',
      'create',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
      '-l',
      'eastus',
      '--node-count',
      '2',
      '--enable-oidc-issuer',
      '--enable-workload-identity',
      '--enable-addons',
      'azure-policy',
      '--attach-acr',
      'myregistry4ratify',
      '--generate-ssh-keys',
      '--tags',
      'ratify-runbook-run=run1',
      ...sub,
    ],
  ],
  // Read-only: versions, the account, the caller's rights (one list of every assignment), nothing else.
  preflight: [
    ['az', 'version', '-o', 'json'],
    ['kubectl', 'version', '--client', '-o', 'json'],
    ['helm', 'version', '--template', '{{.Version}}'],
    ['notation', 'version'],
    ['az', 'account', 'show', '-o', 'json', ...sub],
    // The caller's object id comes from the ARM token; the notebook shows the Graph read it stands for.
    ['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'],
    [
      'az',
      'aks',
      'show',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
      '--query',
      '{kubernetes: currentKubernetesVersion, azurePolicy: addonProfiles.azurepolicy.enabled, entraId: aadProfile.managed}',
      ...sub,
    ],
    [
      'az',
      'role',
      'assignment',
      'list',
      '--assignee',
      '<preflight.callerObjectId>',
      '--all',
      '--include-groups',
      '--query',
      '[].{role:roleDefinitionName, scope:scope}',
      '-o',
      'json',
      ...sub,
    ],
  ],
  // The assignment goes first, by name and scope, then the add-on (docs/errata.md#image-integrity-order); then
  // the feature's own (AKS-managed) Ratify pods must leave.
  'cleanup-image-integrity': [
    ['az', 'policy', 'assignment', 'show', '--name', 'deploy-trustedimages', '--scope', RG_SCOPE, '--query', 'id', '-o', 'tsv', ...sub],
    [
      'az',
      'policy',
      'assignment',
      'show',
      '--name',
      'deploy-trustedimages',
      '--scope',
      `/subscriptions/${SUB}`,
      '--query',
      'id',
      '-o',
      'tsv',
      ...sub,
    ],
    ['az', 'policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', RG_SCOPE, ...sub],
    // The switch exists only in the preview API versions (docs/errata.md#image-integrity-preview-api).
    [
      'az',
      'resource',
      'show',
      '--ids',
      AKS,
      '--api-version',
      '2023-06-02-preview',
      '--query',
      'properties.securityProfile.imageIntegrity.enabled',
      '-o',
      'tsv',
      ...sub,
    ],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--disable-image-integrity', ...sub],
    [
      'az',
      'aks',
      'get-credentials',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
      '--file',
      '/state/kubeconfig',
      '--overwrite-existing',
      ...sub,
    ],
    ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-l', 'kubernetes.azure.com/managedby=aks', '-o', 'name'],
  ],
  // The prerequisites the blog leaves out (docs/errata.md#cluster-prerequisites); credentials into the state dir's kubeconfig.
  'cluster-prereqs': [
    ['az', 'provider', 'show', '-n', 'Microsoft.PolicyInsights', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'provider', 'show', '-n', 'Microsoft.ContainerService', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'provider', 'register', '--namespace', 'Microsoft.PolicyInsights', ...sub],
    ['az', 'provider', 'register', '--namespace', 'Microsoft.ContainerService', ...sub],
    ['az', 'provider', 'show', '-n', 'Microsoft.PolicyInsights', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'provider', 'show', '-n', 'Microsoft.ContainerService', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', ...sub],
    ['az', 'aks', 'enable-addons', '--addons', 'azure-policy', '-g', 'myResourceGroup', '-n', 'myAKSCluster', ...sub],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--enable-oidc-issuer', '--enable-workload-identity', ...sub],
    ['az', 'acr', 'show', '-n', 'myregistry4ratify', '--query', 'id', '-o', 'tsv', ...sub],
    [
      'az',
      'aks',
      'show',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
      '--query',
      'identityProfile.kubeletidentity.objectId',
      '-o',
      'tsv',
      ...sub,
    ],
    [
      'az',
      'role',
      'assignment',
      'list',
      '--assignee',
      '<cluster-prereqs.kubeletObjectId>',
      '--scope',
      ACR,
      '--query',
      '[].roleDefinitionName',
      '-o',
      'tsv',
      ...sub,
    ],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--attach-acr', 'myregistry4ratify', ...sub],
    [
      'az',
      'aks',
      'get-credentials',
      '-g',
      'myResourceGroup',
      '-n',
      'myAKSCluster',
      '--file',
      '/state/kubeconfig',
      '--overwrite-existing',
      ...sub,
    ],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--query', 'oidcIssuerProfile.issuerUrl', '-o', 'tsv', ...sub],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--query', 'id', '-o', 'tsv', ...sub],
    ['kubectl', 'get', 'pods', '-n', 'kube-system', '-o', jsonpathPods],
  ],
  'notation-setup': [
    ['notation', 'version'],
    ['notation', 'plugin', 'ls'],
  ],
  // The moved repo, refreshed; the versions it offers; a values file (never --set
  // for the subject); pinned chart; upgrade --install (a second install fails), with Helm 4's
  // rollback and wait flags (preflight found Helm 4); then the KMP status.
  'ratify-install': [
    ['helm', 'list', '-n', 'gatekeeper-system', '--filter', '^ratify$', '-o', 'json'],
    ['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify', '--force-update'],
    ['helm', 'repo', 'update', 'ratify'],
    ['helm', 'search', 'repo', 'ratify/ratify', '--versions', '-o', 'json'],
    [
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--namespace',
      'gatekeeper-system',
      '--version',
      '1.15.0',
      '--rollback-on-failure',
      '--wait=watcher',
      '--timeout',
      '10m',
      '-f',
      '/state/ratify-values.yaml',
    ],
    ['kubectl', 'get', 'keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv', '-o', 'json'],
  ],
  // Our own definition (Kubernetes data mode, no --metadata), assigned at the cluster scope (docs/errata.md#policy-template-url).
  policy: [
    ['az', 'policy', 'definition', 'show', '--name', 'ratify-default-custom-policy', '-o', 'none', ...sub],
    [
      'az',
      'policy',
      'definition',
      'create',
      '--name',
      'ratify-default-custom-policy',
      '--display-name',
      'Ratify: only images with a verified signature',
      '--description',
      'Written by ratify-runbook: denies (or audits) pods whose images Ratify cannot verify. ratify-runbook-run=run1',
      '--rules',
      '@/state/policy/rules.json',
      '--params',
      '@/state/policy/params.json',
      '--mode',
      'Microsoft.Kubernetes.Data',
      '--query',
      'id',
      '-o',
      'tsv',
      ...sub,
    ],
    ['az', 'policy', 'assignment', 'show', '--name', 'ratify-default-custom-policy', '--scope', AKS, '-o', 'none', ...sub],
    [
      'az',
      'policy',
      'assignment',
      'create',
      '--name',
      'ratify-default-custom-policy',
      '--display-name',
      'Ratify signed images (ratify-runbook-run=run1)',
      '--description',
      'ratify-runbook-run=run1',
      '--policy',
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/ratify-default-custom-policy`,
      '--scope',
      AKS,
      '--params',
      '@/state/policy/assignment-params.json',
      '--query',
      'id',
      '-o',
      'tsv',
      ...sub,
    ],
    ['kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name'],
    ['kubectl', 'get', 'ratifyverification', '-o', jsonpathConstraints],
  ],
};

/** What starts as a process (the rest is read in-process): only the writes, and what has no API to read. */
const processes: Record<string, number> = {
  'provision-base': 3,
  preflight: 5,
  'cleanup-image-integrity': 3,
  'cluster-prereqs': 6,
  'notation-setup': 2,
  'ratify-install': 5,
  policy: 2,
};

describe('exact commands on a fresh world', () => {
  for (const [id, argvs] of Object.entries(expected)) {
    for (const keyVaultAuth of ['rbac', 'access-policy']) {
      it(`${id} (${keyVaultAuth} vault)`, async () => {
        const f = fakeContext({ stepId: id, mode: 'plan', answers: { ...answers, keyVaultAuth, createBaseResources: true }, outputs });
        await steps.find((s) => s.id === id)?.run(f.ctx);
        expect(f.argvs()).toEqual(argvs);
        expect(f.processes(), id).toHaveLength(processes[id]!);
      });
    }
  }

  it('mutating commands are marked so, reads are not', async () => {
    const f = fakeContext({ stepId: 'cleanup-image-integrity', mode: 'plan', answers, outputs });
    await steps.find((s) => s.id === 'cleanup-image-integrity')?.run(f.ctx);
    expect(f.calls.map((c) => [c.argv.slice(0, 4).join(' '), c.options.mutates, c.inProcess === true])).toEqual([
      ['az policy assignment show', false, true],
      ['az policy assignment show', false, true],
      ['az policy assignment delete', true, false],
      ['az resource show --ids', false, true],
      ['az aks update -g', true, false],
      ['az aks get-credentials -g', false, false],
      ['kubectl get pods -n', false, true],
    ]);
  });

  it('on Helm 3, ratify-install uses --atomic --wait: Helm 3 knows no --rollback-on-failure nor wait strategies', async () => {
    const helm3 = { ...outputs, preflight: { ...outputs.preflight, helmMajor: '3' } };
    const f = fakeContext({ stepId: 'ratify-install', mode: 'plan', answers, outputs: helm3 });
    await steps.find((s) => s.id === 'ratify-install')?.run(f.ctx);
    expect(f.argvs().find((a) => a[1] === 'upgrade')).toEqual([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--namespace',
      'gatekeeper-system',
      '--version',
      '1.15.0',
      '--atomic',
      '--wait',
      '--timeout',
      '10m',
      '-f',
      '/state/ratify-values.yaml',
    ]);
  });

  it("Entra ID cluster: preflight converts the state dir's kubeconfig for az login, checks cluster-admin; never --admin", async () => {
    const f = fakeContext({ stepId: 'preflight', mode: 'plan', answers, outputs, assumptions: { entraId: 'true', helmVersion: 'v4.2.4' } });
    const result = await steps.find((s) => s.id === 'preflight')?.run(f.ctx);
    expect(f.argvs().slice(-4)).toEqual([
      ['kubelogin', '--version'],
      [
        'az',
        'aks',
        'get-credentials',
        '-g',
        'myResourceGroup',
        '-n',
        'myAKSCluster',
        '--file',
        '/state/kubeconfig',
        '--overwrite-existing',
        ...sub,
      ],
      ['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', '/state/kubeconfig'],
      ['kubectl', 'auth', 'can-i', 'create', 'clusterrolebinding'],
    ]);
    expect(result).toMatchObject({ entraId: 'true', helmMajor: '4' });
    const entra = { ...outputs, preflight: { ...outputs.preflight, entraId: 'true' } };
    const prereqs = fakeContext({ stepId: 'cluster-prereqs', mode: 'plan', answers, outputs: entra });
    await steps.find((s) => s.id === 'cluster-prereqs')?.run(prereqs.ctx);
    const credentials = prereqs.argvs().findIndex((a) => a[2] === 'get-credentials');
    const convert = ['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', '/state/kubeconfig'];
    expect(prereqs.argvs()[credentials + 1]).toEqual(convert);
    for (const fake of [f, prereqs]) expect(fake.argvs().flat()).not.toContain('--admin');
  });
});
