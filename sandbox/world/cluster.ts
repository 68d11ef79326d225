import { addDeployment, kubeOf, makeObject, putObject, removeDeployment } from '../kube/objects.js';
import { crdObject, GATEKEEPER_CRDS } from '../kube/crds.js';
import { KUBE_VERSION } from '../kube/version.js';
import { guid, hex } from './ids.js';
import type { ArmResource, World } from './model.js';
import { putResource, resourceId } from './resources.js';

/** Managed Ratify pods that AKS Image Integrity deploys (blog part 3 leaves them running). */
export const IMAGE_INTEGRITY_DEPLOY = 'ratify';
export const IMAGE_INTEGRITY_OWNER = 'aks/image-integrity';

export interface NewCluster {
  sub: string;
  rg: string;
  name: string;
  location: string;
  oidc: boolean;
  workloadIdentity: boolean;
  azurePolicy: boolean;
  imageIntegrity: boolean;
  tags?: Record<string, string>;
}

export function createCluster(world: World, c: NewCluster, now: number): ArmResource {
  const id = resourceId(c.sub, c.rg, 'Microsoft.ContainerService', 'managedClusters', c.name);
  const dns = `${c.name}-${c.rg}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 40);
  const nodeRg = `MC_${c.rg}_${c.name}_${c.location}`;
  const kubeletOid = guid();
  const kubeletClientId = guid();
  world.principals[kubeletOid] = {
    objectId: kubeletOid,
    type: 'ServicePrincipal',
    displayName: `${c.name}-agentpool`,
    name: kubeletClientId,
    appId: kubeletClientId,
  };
  const res: ArmResource = {
    id,
    name: c.name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    location: c.location,
    tags: c.tags ?? {},
    sku: { name: 'Base', tier: 'Free' },
    identity: { type: 'SystemAssigned', principalId: guid(), tenantId: world.tenant.id },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: KUBE_VERSION,
      currentKubernetesVersion: KUBE_VERSION,
      dnsPrefix: dns,
      fqdn: `${dns}-${hex(4)}.hcp.${c.location}.azmk8s.io`,
      nodeResourceGroup: nodeRg,
      enableRBAC: true,
      agentPoolProfiles: [{ name: 'nodepool1', count: 1, vmSize: 'Standard_DS2_v2', osType: 'Linux', mode: 'System' }],
      identityProfile: {
        kubeletidentity: {
          clientId: kubeletClientId,
          objectId: kubeletOid,
          resourceId: `/subscriptions/${c.sub}/resourcegroups/${nodeRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${c.name}-agentpool`,
        },
      },
      addonProfiles: c.azurePolicy
        ? {
            azurepolicy: {
              enabled: true,
              config: null,
              identity: {
                clientId: guid(),
                objectId: guid(),
                resourceId: `/subscriptions/${c.sub}/resourcegroups/${nodeRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/azurepolicy-${c.name}`,
              },
            },
          }
        : {},
      oidcIssuerProfile: c.oidc
        ? { enabled: true, issuerURL: `https://${c.location}.oic.prod-aks.azure.com/${world.tenant.id}/${guid()}/` }
        : { enabled: false },
      securityProfile: {
        ...(c.workloadIdentity ? { workloadIdentity: { enabled: true } } : {}),
        ...(c.imageIntegrity ? { imageIntegrity: { enabled: true } } : {}),
      },
    },
    meta: { createdAt: now },
  };
  putResource(world, res);
  const kube = kubeOf(world, id);
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    putObject(kube, makeObject('Namespace', 'v1', ns, undefined, now, { status: { phase: 'Active' } }));
  addDeployment(kube, 'coredns', 'kube-system', 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-1', now, {
    replicas: 2,
    labels: { 'k8s-app': 'kube-dns' },
  });
  if (c.azurePolicy) enableAzurePolicyAddon(world, id, now);
  if (c.imageIntegrity) enableImageIntegrity(world, id, now);
  return res;
}

/** The add-on deploys Gatekeeper into gatekeeper-system and its own pods into kube-system. */
export function enableAzurePolicyAddon(world: World, clusterId: string, now: number): void {
  const kube = kubeOf(world, clusterId);
  putObject(
    kube,
    makeObject('Namespace', 'v1', 'gatekeeper-system', undefined, now, {
      labels: { 'admission.gatekeeper.sh/ignore': 'no-self-managing', 'control-plane': 'controller-manager' },
      status: { phase: 'Active' },
    }),
  );
  addDeployment(kube, 'azure-policy', 'kube-system', 'mcr.microsoft.com/azure-policy/policy-kubernetes-addon-prod:1.12.3', now, {
    labels: { app: 'azure-policy' },
    owner: 'deployment/azure-policy',
  });
  addDeployment(kube, 'azure-policy-webhook', 'kube-system', 'mcr.microsoft.com/azure-policy/policy-kubernetes-webhook:1.12.3', now, {
    labels: { app: 'azure-policy-webhook' },
  });
  addDeployment(kube, 'gatekeeper-controller', 'gatekeeper-system', 'mcr.microsoft.com/oss/open-policy-agent/gatekeeper:v3.19.1-1', now, {
    replicas: 2,
    labels: { 'control-plane': 'controller-manager', 'gatekeeper.sh/operation': 'webhook' },
  });
  addDeployment(kube, 'gatekeeper-audit', 'gatekeeper-system', 'mcr.microsoft.com/oss/open-policy-agent/gatekeeper:v3.19.1-1', now, {
    labels: { 'control-plane': 'audit-controller', 'gatekeeper.sh/operation': 'audit' },
  });
  const cert = makeObject('Secret', 'v1', 'gatekeeper-webhook-server-cert', 'gatekeeper-system', now);
  putObject(kube, { ...cert, type: 'Opaque', data: { 'ca.crt': '', 'tls.crt': '', 'tls.key': '' } });
  for (const shape of GATEKEEPER_CRDS) putObject(kube, crdObject(shape, now, { 'gatekeeper.sh/system': 'yes' }));
}

export function disableAzurePolicyAddon(world: World, clusterId: string): void {
  const kube = kubeOf(world, clusterId);
  for (const d of ['azure-policy', 'azure-policy-webhook']) removeDeployment(kube, d, 'kube-system');
  for (const d of ['gatekeeper-controller', 'gatekeeper-audit']) removeDeployment(kube, d, 'gatekeeper-system');
}

export function enableImageIntegrity(world: World, clusterId: string, now: number): void {
  const kube = kubeOf(world, clusterId);
  if (!kube.objects[`Deployment/gatekeeper-system/${IMAGE_INTEGRITY_DEPLOY}`]) {
    addDeployment(kube, IMAGE_INTEGRITY_DEPLOY, 'gatekeeper-system', 'mcr.microsoft.com/oss/deislabs/ratify:v1.2.0', now, {
      labels: { app: 'ratify', 'kubernetes.azure.com/managedby': 'aks' },
      owner: IMAGE_INTEGRITY_OWNER,
    });
    const dep = kube.objects[`Deployment/gatekeeper-system/${IMAGE_INTEGRITY_DEPLOY}`]!;
    dep.sandbox!.owner = IMAGE_INTEGRITY_OWNER;
  }
}

/** Disabling Image Integrity removes its managed Ratify after a while (pods terminate). */
export function disableImageIntegrity(world: World, clusterId: string, goneAt: number): void {
  const kube = kubeOf(world, clusterId);
  for (const o of Object.values(kube.objects)) if (o.sandbox?.owner === IMAGE_INTEGRITY_OWNER) o.sandbox.goneAt = goneAt;
}

export const clusterFqdn = (res: ArmResource): string => String((res.properties as { fqdn: string }).fqdn);

/** The AKS AAD server application: Entra ID tokens for AKS clusters are issued for it (Azure/kubelogin docs, concepts/aks.md). */
export const AKS_AAD_SERVER_APP = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The AKS AAD client application kubelogin's device-code flow signs in with (same source). */
export const AKS_AAD_CLIENT_APP = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

export interface AadProfile {
  managed: boolean;
  enableAzureRBAC: boolean;
  adminGroupObjectIDs: string[] | null;
  tenantID: string;
}

/** The cluster's Entra ID integration (aadProfile, stable in every API version), when on. */
export function aadProfileOf(cluster: ArmResource): AadProfile | undefined {
  const aad = cluster.properties.aadProfile as AadProfile | null | undefined;
  return aad?.managed ? aad : undefined;
}

/**
 * Switches a cluster between local accounts (a static token in the kubeconfig) and Entra ID
 * sign-in with local accounts disabled, as many company clusters are: the kubeconfig then runs
 * kubelogin, and the cluster's admin group holds cluster-admin. The signed-in user is in that
 * group unless the seeded caller is a plain contributor.
 */
export function setClusterSignIn(world: World, cluster: ArmResource, signIn: 'local-accounts' | 'entra-id'): void {
  const p = cluster.properties;
  if (signIn === 'local-accounts') {
    p.aadProfile = null;
    p.disableLocalAccounts = false;
    return;
  }
  const group = ((world.config = { ...world.config }).aksAdminGroup ??= guid());
  p.aadProfile = { managed: true, enableAzureRBAC: false, adminGroupObjectIDs: [group], adminUsers: null, tenantID: world.tenant.id };
  p.disableLocalAccounts = true;
  syncAdminGroup(world);
}

/** The user is a member of the clusters' admin group exactly when the seeded caller is an owner. */
export function syncAdminGroup(world: World): void {
  const group = world.config?.aksAdminGroup;
  if (!group) return;
  const others = (world.user.groups ?? []).filter((g) => g !== group);
  world.user.groups = world.config?.caller === 'contributor' ? others : [...others, group];
}
