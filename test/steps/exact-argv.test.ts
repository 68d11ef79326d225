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
  preflight: { subscriptionId: SUB, tenantId: 'tenant-1', callerObjectId: 'caller-1', callerType: 'User' },
  'cluster-prereqs': { aksId: AKS, oidcIssuer: 'https://issuer/', kubeconfig: '/state/kubeconfig' },
};
const sub = ['--subscription', SUB];

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
      '{kubernetes: currentKubernetesVersion, azurePolicy: addonProfiles.azurepolicy.enabled}',
      ...sub,
    ],
  ],
  // The assignment goes first, by name and scope, then the add-on (docs/errata.md#image-integrity-order).
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
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--query', 'securityProfile.imageIntegrity', ...sub],
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
    ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-o', 'name'],
  ],
  // The prerequisites the blog leaves out (docs/errata.md#cluster-prerequisites); credentials into the state dir's kubeconfig.
  'cluster-prereqs': [
    ['az', 'provider', 'show', '-n', 'Microsoft.PolicyInsights', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'provider', 'show', '-n', 'Microsoft.ContainerService', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', ...sub],
    ['az', 'aks', 'enable-addons', '--addons', 'azure-policy', '-g', 'myResourceGroup', '-n', 'myAKSCluster', ...sub],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--enable-oidc-issuer', '--enable-workload-identity', ...sub],
    ['az', 'acr', 'show', '-n', 'myregistry4ratify', '--query', 'id', '-o', 'tsv', ...sub],
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
  // The moved repo, refreshed; a values file (never --set for the subject); pinned
  // chart; upgrade --install (a second install fails); then the KMP status.
  'ratify-install': [
    ['helm', 'list', '-n', 'gatekeeper-system', '--filter', '^ratify$', '-o', 'json'],
    ['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify', '--force-update'],
    ['helm', 'repo', 'update', 'ratify'],
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
      '--atomic',
      '--wait',
      '--timeout',
      '10m',
      '-f',
      '/state/ratify-values.yaml',
    ],
    ['kubectl', 'get', 'keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv', '-o', 'json'],
  ],
  // Our own definition (Kubernetes data mode), assigned at the cluster scope (docs/errata.md#policy-template-url).
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
      'Written by ratify-runbook: denies (or audits) pods whose images Ratify cannot verify.',
      '--rules',
      '@/state/policy/rules.json',
      '--params',
      '@/state/policy/params.json',
      '--mode',
      'Microsoft.Kubernetes.Data',
      '--metadata',
      'category=Kubernetes',
      'ratify-runbook-run=run1',
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
      '--policy',
      '<policy.definitionId>',
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
  'cluster-prereqs': 4,
  'notation-setup': 2,
  'ratify-install': 4,
  policy: 2,
};

describe('exact commands on a fresh world', () => {
  for (const [id, argvs] of Object.entries(expected)) {
    for (const keyVaultAuth of ['rbac', 'access-policy']) {
      it(`${id} (${keyVaultAuth} vault)`, async () => {
        const f = fakeContext({ stepId: id, mode: 'plan', answers: { ...answers, keyVaultAuth, createBaseResources: true }, outputs });
        await steps.find((s) => s.id === id)?.run(f.ctx as never);
        expect(f.argvs()).toEqual(argvs);
        expect(f.processes(), id).toHaveLength(processes[id]!);
      });
    }
  }

  it('mutating commands are marked so, reads are not', async () => {
    const f = fakeContext({ stepId: 'cleanup-image-integrity', mode: 'plan', answers, outputs });
    await steps.find((s) => s.id === 'cleanup-image-integrity')?.run(f.ctx as never);
    expect(f.calls.map((c) => [c.argv.slice(0, 4).join(' '), c.options.mutates, c.inProcess === true])).toEqual([
      ['az policy assignment show', false, true],
      ['az policy assignment show', false, true],
      ['az policy assignment delete', true, false],
      ['az aks show -g', false, true],
      ['az aks update -g', true, false],
      ['az aks get-credentials -g', false, false],
      ['kubectl get pods -n', false, true],
    ]);
  });
});
