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

const expected: Record<string, string[][]> = {
  'provision-base': [
    ['az', 'group', 'create', '-n', 'myResourceGroup', '-l', 'eastus', '--tags', 'ratify-runbook-run=run1', ...sub],
    ['az', 'acr', 'create', '-n', 'myregistry4ratify', '-g', 'myResourceGroup', '--sku', 'Standard', '-l', 'eastus', '--tags', 'ratify-runbook-run=run1', ...sub],
    ['az', 'aks', 'create', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '-l', 'eastus', '--node-count', '2', '--enable-oidc-issuer', '--enable-workload-identity',
      '--enable-addons', 'azure-policy', '--attach-acr', 'myregistry4ratify', '--generate-ssh-keys', '--tags', 'ratify-runbook-run=run1', ...sub],
  ],
  preflight: [
    ['az', 'version', '-o', 'json'],
    ['kubectl', 'version', '--client', '-o', 'json'],
    ['helm', 'version', '--template', '{{.Version}}'],
    ['notation', 'version'],
    ['az', 'account', 'show', '-o', 'json', ...sub],
    ['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'],
  ],
  // The assignment goes first, by name and scope, then the add-on (docs/errata.md#image-integrity-order).
  'cleanup-image-integrity': [
    ['az', 'policy', 'assignment', 'list', '--disable-scope-strict-match', '--query', "[?name=='deploy-trustedimages'].id", '-o', 'tsv', ...sub],
    ['az', 'policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', `/subscriptions/${SUB}/resourceGroups/myResourceGroup`, ...sub],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--disable-image-integrity', ...sub],
    ['az', 'aks', 'get-credentials', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--file', '/state/kubeconfig', '--overwrite-existing', ...sub],
    ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system', '-o', 'name'],
  ],
  // The prerequisites the blog leaves out (docs/errata.md#cluster-prerequisites); credentials into the state dir's kubeconfig.
  'cluster-prereqs': [
    ['az', 'provider', 'show', '-n', 'Microsoft.PolicyInsights', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'provider', 'show', '-n', 'Microsoft.ContainerService', '--query', 'registrationState', '-o', 'tsv', ...sub],
    ['az', 'aks', 'enable-addons', '--addons', 'azure-policy', '-g', 'myResourceGroup', '-n', 'myAKSCluster', ...sub],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--enable-oidc-issuer', '--enable-workload-identity', ...sub],
    ['az', 'acr', 'show', '-n', 'myregistry4ratify', '--query', 'id', '-o', 'tsv', ...sub],
    ['az', 'aks', 'update', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--attach-acr', 'myregistry4ratify', ...sub],
    ['az', 'aks', 'get-credentials', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--file', '/state/kubeconfig', '--overwrite-existing', ...sub],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--query', 'oidcIssuerProfile.issuerUrl', '-o', 'tsv', ...sub],
    ['az', 'aks', 'show', '-g', 'myResourceGroup', '-n', 'myAKSCluster', '--query', 'id', '-o', 'tsv', ...sub],
    ['kubectl', 'get', 'pods', '-n', 'kube-system', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}'],
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
    ['helm', 'upgrade', '--install', 'ratify', 'ratify/ratify', '--namespace', 'gatekeeper-system', '--version', '1.15.0', '--atomic', '--wait', '--timeout', '10m', '-f', '/state/ratify-values.yaml'],
    ['kubectl', 'get', 'keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv', '-o', 'json'],
  ],
  // Our own definition (Kubernetes data mode), assigned at the cluster scope (docs/errata.md#policy-template-url).
  policy: [
    ['az', 'policy', 'definition', 'create', '--name', 'ratify-default-custom-policy', '--display-name', 'Ratify: only images with a verified signature',
      '--description', 'Written by ratify-runbook: denies (or audits) pods whose images Ratify cannot verify. ratify-runbook-run=run1',
      '--rules', '@/state/policy/rules.json',
      '--params', '@/state/policy/params.json', '--mode', 'Microsoft.Kubernetes.Data', '--metadata', 'category=Kubernetes', 'ratify-runbook-run=run1',
      '--query', 'id', '-o', 'tsv', ...sub],
    ['az', 'policy', 'assignment', 'create', '--name', 'ratify-default-custom-policy', '--display-name', 'Ratify signed images (ratify-runbook-run=run1)',
      '--description', 'ratify-runbook-run=run1', '--policy', '<policy.definitionId>', '--scope', AKS,
      '--params', '@/state/policy/assignment-params.json', '--query', 'id', '-o', 'tsv', ...sub],
    ['kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name'],
  ],
};

describe('exact commands on a fresh world', () => {
  for (const [id, argvs] of Object.entries(expected)) {
    for (const keyVaultAuth of ['rbac', 'access-policy']) {
      it(`${id} (${keyVaultAuth} vault)`, async () => {
        const f = fakeContext({ stepId: id, mode: 'plan', answers: { ...answers, keyVaultAuth, createBaseResources: true }, outputs });
        await steps.find((s) => s.id === id)?.run(f.ctx as never);
        expect(f.argvs()).toEqual(argvs);
      });
    }
  }

  it('mutating commands are marked so, reads are not', async () => {
    const f = fakeContext({ stepId: 'cleanup-image-integrity', mode: 'plan', answers, outputs });
    await steps.find((s) => s.id === 'cleanup-image-integrity')?.run(f.ctx as never);
    expect(f.calls.map((c) => [c.argv.slice(0, 4).join(' '), c.options.mutates])).toEqual([
      ['az policy assignment list', false],
      ['az policy assignment delete', true],
      ['az aks update -g', true],
      ['az aks get-credentials -g', false],
      ['kubectl get pods -n', false],
    ]);
  });
});
