/** ARM ids and API versions for the existence checks one GET answers. */
export const apiVersions = {
  resourceGroup: '2021-04-01',
  cluster: '2024-09-01',
  /**
   * securityProfile.imageIntegrity exists only in the preview versions of the AKS API; this is
   * the one the built-in AKS_ImageIntegrity_DINE policy deploys with. A stable version never
   * returns the property, whatever the cluster's state.
   */
  clusterPreview: '2023-06-02-preview',
  registry: '2023-07-01',
  vault: '2023-07-01',
  identity: '2023-01-31',
  policyDefinition: '2021-06-01',
  policyAssignment: '2022-06-01',
} as const;

export function resourceGroupId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function clusterId(sub: string, rg: string, aks: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.ContainerService/managedClusters/${aks}`;
}

export function registryId(sub: string, rg: string, acr: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.ContainerRegistry/registries/${acr}`;
}

export function vaultId(sub: string, rg: string, kv: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.KeyVault/vaults/${kv}`;
}

export function identityId(sub: string, rg: string, name: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
}

export function policyDefinitionId(sub: string, name: string): string {
  return `/subscriptions/${sub}/providers/Microsoft.Authorization/policyDefinitions/${name}`;
}

export function policyAssignmentId(scope: string, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`;
}

/** The scope an assignment was created at (it is deleted by name *and* scope: docs/errata.md#assignment-delete-scope). */
export function assignmentScope(assignmentId: string): string {
  return assignmentId.replace(/\/providers\/Microsoft\.Authorization\/policyAssignments\/[^/]+$/i, '');
}

/** `/subscriptions/<id>/...` -> `<id>`; teardown works from recorded ids, whatever the answers say now. */
export function subscriptionFromId(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
