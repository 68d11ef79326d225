import { randomBytes } from 'node:crypto';
import { createCluster } from './cluster.js';
import { guid } from './ids.js';
import type { ArmResource, World } from './model.js';
import { getResource, getRg, listByType, putResource, resourceId, rgId, subId } from './resources.js';
import { roleByName, roleDefinitionId } from './rbac.js';
import type { CallerProfile, ClusterSignIn } from '../config.js';
import { setClusterSignIn, syncAdminGroup } from './cluster.js';

/** The AKS Image Integrity initiative the blog's part 3 assigned (Learn: image-integrity). */
export const IMAGE_INTEGRITY_INITIATIVE = 'af28bf8b-c669-4dd3-9137-1e68fdc61bd6';
export const DEFAULT_LOCATION = 'eastus';

export function newWorld(): World {
  const tenantId = guid();
  const subscription = guid();
  const userOid = guid();
  const world: World = {
    version: 1,
    tokenKey: randomBytes(32).toString('hex'),
    tenant: { id: tenantId, domain: 'contoso.onmicrosoft.com', displayName: 'Contoso' },
    subscriptions: { [subscription]: { id: subscription, name: 'Contoso Sandbox' } },
    defaultSubscription: subscription,
    user: { objectId: userOid, type: 'User', displayName: 'Alice Smith', name: 'alice@contoso.onmicrosoft.com' },
    principals: {},
    extensions: { 'aks-preview': '13.0.0b7' },
    providers: {},
    features: {},
    arm: {},
    vaults: {},
    deletedVaults: {},
    registries: {},
    clusters: {},
    policySync: [],
    helmRepos: {},
    notation: {},
    seeded: [],
  };
  addSubscription(world, subscription, 'Contoso Sandbox');
  return world;
}

export function addSubscription(world: World, id: string, name: string): void {
  world.subscriptions[id] = { id, name };
  for (const ns of [
    'Microsoft.ContainerService',
    'Microsoft.ContainerRegistry',
    'Microsoft.KeyVault',
    'Microsoft.ManagedIdentity',
    'Microsoft.PolicyInsights',
    'Microsoft.Authorization',
    'Microsoft.Resources',
  ]) {
    world.providers[`${id}/${ns}`.toLowerCase()] = 'Registered';
  }
  world.features[`${id}/Microsoft.ContainerService/EnableImageIntegrityPreview`.toLowerCase()] = 'Registered';
  world.features[`${id}/Microsoft.ContainerService/AKS-AzurePolicyExternalData`.toLowerCase()] = 'NotRegistered';
  setCallerRoles(world, id, world.config?.caller ?? 'owner');
}

/**
 * The signed-in user's role on a subscription: Owner (can create role assignments and
 * policies), or Contributor (cannot: writes under Microsoft.Authorization are among its NotActions).
 */
export function setCallerRoles(world: World, sub: string, caller: CallerProfile): void {
  const wanted = roleByName(caller === 'owner' ? 'Owner' : 'Contributor')!;
  for (const ra of listByType(world, 'Microsoft.Authorization/roleAssignments', sub)) {
    const p = ra.properties as { principalId: string; scope: string };
    if (p.principalId === world.user.objectId && p.scope.toLowerCase() === subId(sub).toLowerCase()) delete world.arm[ra.id.toLowerCase()];
  }
  const raName = guid();
  putResource(world, {
    id: `${subId(sub)}/providers/Microsoft.Authorization/roleAssignments/${raName}`,
    name: raName,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      principalId: world.user.objectId,
      principalType: 'User',
      roleDefinitionId: roleDefinitionId(sub, wanted),
      scope: subId(sub),
      createdOn: new Date(0).toISOString(),
    },
    meta: { createdAt: 0 },
  });
}

export function createResourceGroup(
  world: World,
  sub: string,
  name: string,
  location: string,
  now: number,
  tags: Record<string, string> = {},
): ArmResource {
  return putResource(world, {
    id: rgId(sub, name),
    name,
    type: 'Microsoft.Resources/resourceGroups',
    location,
    tags,
    properties: { provisioningState: 'Succeeded' },
    meta: { createdAt: now },
  });
}

export function createRegistry(
  world: World,
  sub: string,
  rg: string,
  name: string,
  location: string,
  now: number,
  tags: Record<string, string> = {},
  sku = 'Basic',
): ArmResource {
  const res = putResource(world, {
    id: resourceId(sub, rg, 'Microsoft.ContainerRegistry', 'registries', name),
    name,
    type: 'Microsoft.ContainerRegistry/registries',
    location,
    tags,
    sku: { name: sku, tier: sku },
    properties: {
      loginServer: `${name.toLowerCase()}.azurecr.io`,
      creationDate: new Date(now).toISOString().replace('Z', '0000+00:00'),
      provisioningState: 'Succeeded',
      adminUserEnabled: false,
      dataEndpointEnabled: false,
      dataEndpointHostNames: [],
      encryption: { status: 'disabled', keyVaultProperties: null },
      networkRuleBypassOptions: 'AzureServices',
      policies: {
        exportPolicy: { status: 'enabled' },
        quarantinePolicy: { status: 'disabled' },
        retentionPolicy: { days: 7, status: 'disabled' },
        trustPolicy: { status: 'disabled', type: 'Notary' },
      },
      privateEndpointConnections: [],
      publicNetworkAccess: 'Enabled',
      zoneRedundancy: 'Disabled',
    },
    meta: { createdAt: now },
  });
  world.registries[name.toLowerCase()] ??= { repositories: {}, runCounter: 0 };
  return res;
}

export const findRegistry = (world: World, name: string): ArmResource | undefined =>
  listByType(world, 'Microsoft.ContainerRegistry/registries').find((r) => r.name.toLowerCase() === name.toLowerCase());

export interface SeedAnswers {
  subscriptionId?: string;
  resourceGroup: string;
  aksName: string;
  acrName: string;
  location?: string;
}

/**
 * --sandbox-cluster and --sandbox-caller, applied to the answers' world whenever they are given
 * (the seeded cluster's sign-in, the user's role on the subscription), and remembered.
 */
export function applySeedOptions(world: World, a: SeedAnswers, options: { cluster?: ClusterSignIn; caller?: CallerProfile }): boolean {
  const sub = a.subscriptionId || world.defaultSubscription;
  let changed = false;
  if (options.caller) {
    world.config = { ...world.config, caller: options.caller };
    for (const s of Object.keys(world.subscriptions)) setCallerRoles(world, s, options.caller);
    syncAdminGroup(world);
    changed = true;
  }
  if (options.cluster) {
    const rg = getRg(world, sub, a.resourceGroup);
    const cluster = rg && getResource(world, resourceId(sub, rg.name, 'Microsoft.ContainerService', 'managedClusters', a.aksName));
    if (cluster) {
      setClusterSignIn(world, cluster, options.cluster);
      changed = true;
    }
  }
  return changed;
}

/**
 * What the blog's part 3 leaves: the resource group, AKS cluster
 * and ACR named in the answers, the `deploy-trustedimages` assignment at resource-group scope,
 * Image Integrity on with its managed Ratify pods, the azure-policy add-on on, the OIDC
 * issuer on, workload identity off, the ACR not attached. Once per answer set.
 */
export function seedAnswers(world: World, a: SeedAnswers, now: number): boolean {
  const sub = a.subscriptionId || world.defaultSubscription;
  const key = `${sub}|${a.resourceGroup}|${a.aksName}|${a.acrName}`.toLowerCase();
  if (world.seeded.includes(key)) return false;
  if (!world.subscriptions[sub]) addSubscription(world, sub, `Sandbox subscription ${Object.keys(world.subscriptions).length + 1}`);
  const rg = getRg(world, sub, a.resourceGroup) ?? createResourceGroup(world, sub, a.resourceGroup, a.location || DEFAULT_LOCATION, now);
  const location = rg.location ?? DEFAULT_LOCATION;
  if (!findRegistry(world, a.acrName)) createRegistry(world, sub, rg.name, a.acrName, location, now);
  const aksId = resourceId(sub, rg.name, 'Microsoft.ContainerService', 'managedClusters', a.aksName);
  if (!getResource(world, aksId)) {
    createCluster(
      world,
      { sub, rg: rg.name, name: a.aksName, location, oidc: true, workloadIdentity: false, azurePolicy: true, imageIntegrity: true },
      now,
    );
  }
  const assignmentId = `${rg.id}/providers/Microsoft.Authorization/policyAssignments/deploy-trustedimages`;
  if (!getResource(world, assignmentId)) {
    putResource(world, {
      id: assignmentId,
      name: 'deploy-trustedimages',
      type: 'Microsoft.Authorization/policyAssignments',
      location,
      identity: { type: 'SystemAssigned', principalId: guid(), tenantId: world.tenant.id },
      properties: {
        displayName: 'Audit deployment with unsigned container images',
        description: null,
        enforcementMode: 'Default',
        metadata: { assignedBy: world.user.displayName, createdBy: world.user.objectId, createdOn: new Date(now).toISOString() },
        nonComplianceMessages: null,
        notScopes: null,
        parameters: null,
        policyDefinitionId: `/providers/Microsoft.Authorization/policySetDefinitions/${IMAGE_INTEGRITY_INITIATIVE}`,
        scope: rg.id,
      },
      meta: { createdAt: now },
    });
  }
  world.seeded.push(key);
  return true;
}
