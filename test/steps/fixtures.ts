import type { Answers } from '../../kernel/answer-keys.js';
import type { Outputs } from '../../runner/step.js';
import { SUB, TENANT } from '../helpers/step-context.js';

export const answers: Answers = {
  subscriptionId: SUB,
  location: 'eastus',
  resourceGroup: 'myResourceGroup',
  aksName: 'myAKSCluster',
  acrName: 'myregistry4ratify',
  keyVaultName: 'ratify-demo-kv',
  keyVaultAuth: 'rbac',
  certName: 'ratify',
  certSubject: 'CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US',
  identityName: 'ratify-identity',
  repo: 'net-monitor',
  unsignedRepo: 'net-watcher',
  tag: 'v1',
  imageSource: 'https://github.com/wabbit-networks/net-monitor.git#main',
  unsignedImageSource: 'https://github.com/wabbit-networks/net-watcher.git#main',
  demoNamespace: 'demo',
  policyName: 'ratify-default-custom-policy',
  policyEffect: 'Deny',
  ratifyChartVersion: '1.15.0',
  cleanupImageIntegrity: true,
  createBaseResources: false,
};

export const RG_ID = `/subscriptions/${SUB}/resourceGroups/myResourceGroup`;
export const AKS_ID = `${RG_ID}/providers/Microsoft.ContainerService/managedClusters/myAKSCluster`;
export const ACR_ID = `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/myregistry4ratify`;
export const KV_ID = `${RG_ID}/providers/Microsoft.KeyVault/vaults/ratify-demo-kv`;
export const CALLER = '104d0b66-ee84-4fe2-ae6c-e1a9a8f0bc31';
export const ISSUER = 'https://eastus.oic.prod-aks.azure.com/tenant/guid/';
export const KID = 'https://ratify-demo-kv.vault.azure.net/keys/ratify/f60f2a4f8ae442cfb41ca2090bd4b769';
/** A fake DER: any bytes work for the hash. */
export const CER = Buffer.from('fake certificate DER bytes').toString('base64');
export const DIGEST = `sha256:${'a'.repeat(64)}`;

export const outputs: Record<string, Outputs> = {
  preflight: {
    subscriptionId: SUB,
    tenantId: TENANT,
    callerObjectId: CALLER,
    callerType: 'User',
    helmMajor: '4',
    entraId: 'false',
    notationVersion: '1.3.2',
    pluginVersion: '1.2.1',
  },
  'cluster-prereqs': { aksId: AKS_ID, oidcIssuer: ISSUER, kubeconfig: '/state/kubeconfig' },
  'key-vault': { vaultUri: 'https://ratify-demo-kv.vault.azure.net/', keyVaultId: KV_ID, keyVaultRbac: 'true' },
  certificate: { keyId: KID, certVersion: 'f60f2a4f8ae442cfb41ca2090bd4b769', certSha256: 'ab12' },
  'ratify-identity': { identityClientId: 'client-id-1', identityObjectId: 'object-id-1' },
  'build-and-sign': {
    digest: DIGEST,
    signedRef: `myregistry4ratify.azurecr.io/net-monitor@${DIGEST}`,
    unsignedRef: 'myregistry4ratify.azurecr.io/net-watcher:v1',
  },
  policy: { definitionId: 'def', assignmentId: 'asg', constraintName: 'azurepolicy-ratifyverification-abc' },
};
