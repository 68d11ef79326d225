import type { ArmResource, World } from './model.js';
import { listByType } from './resources.js';

/**
 * Built-in roles the flow uses, with the data-plane permissions they grant (Azure built-in
 * roles reference). Owner/Contributor carry no Key Vault data actions: on an RBAC vault even
 * the vault's creator needs a data role (docs/errata.md#set-policy-on-rbac-vaults).
 */
export type Perm =
  | 'certificates/get'
  | 'certificates/list'
  | 'certificates/create'
  | 'certificates/delete'
  | 'certificates/purge'
  | 'keys/sign'
  | 'keys/get'
  | 'secrets/get'
  | 'secrets/list'
  | 'acr/pull'
  | 'acr/push'
  /** Microsoft.Authorization/roleAssignments/write */
  | 'authorization/write'
  /** Microsoft.Authorization/policyDefinitions/write and policyAssignments/write */
  | 'policy/write';

export interface RoleDef {
  name: string;
  guid: string;
  perms: readonly Perm[];
}

const CERT_ALL: Perm[] = ['certificates/get', 'certificates/list', 'certificates/create', 'certificates/delete', 'certificates/purge'];

export const ROLES: readonly RoleDef[] = [
  { name: 'Owner', guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', perms: ['acr/pull', 'acr/push', 'authorization/write', 'policy/write'] },
  // Contributor's NotActions hold Microsoft.Authorization/*/Write: no role assignments, no policies.
  { name: 'Contributor', guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c', perms: ['acr/pull', 'acr/push'] },
  { name: 'Reader', guid: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', perms: ['acr/pull'] },
  // Microsoft.Authorization/*: role assignments and policies alike.
  { name: 'User Access Administrator', guid: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', perms: ['authorization/write', 'policy/write'] },
  { name: 'Role Based Access Control Administrator', guid: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', perms: ['authorization/write'] },
  { name: 'Resource Policy Contributor', guid: '36243c78-bf99-498c-9df9-86d9f8d28608', perms: ['policy/write'] },
  { name: 'AcrPull', guid: '7f951dda-4ed3-4680-a7ca-43fe172d538d', perms: ['acr/pull'] },
  { name: 'AcrPush', guid: '8311e382-0749-4cb8-b61a-304f252e45ec', perms: ['acr/pull', 'acr/push'] },
  {
    name: 'Key Vault Administrator',
    guid: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    perms: [...CERT_ALL, 'keys/sign', 'keys/get', 'secrets/get', 'secrets/list'],
  },
  { name: 'Key Vault Certificates Officer', guid: 'a4417e6f-fecd-4de8-b567-7b0420556985', perms: CERT_ALL },
  {
    name: 'Key Vault Certificate User',
    guid: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
    perms: ['certificates/get', 'certificates/list', 'secrets/get'],
  },
  { name: 'Key Vault Crypto Officer', guid: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603', perms: ['keys/sign', 'keys/get'] },
  { name: 'Key Vault Crypto User', guid: '12338af0-0e69-4776-bea7-57ae8d297424', perms: ['keys/sign', 'keys/get'] },
  { name: 'Key Vault Secrets Officer', guid: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', perms: ['secrets/get', 'secrets/list'] },
  { name: 'Key Vault Secrets User', guid: '4633458b-17de-408a-b874-0445c86b69e6', perms: ['secrets/get'] },
  { name: 'Key Vault Reader', guid: '21090545-7ca7-4776-b22c-e363652d74d2', perms: ['certificates/list', 'secrets/list'] },
];

export const roleByName = (nameOrId: string): RoleDef | undefined => {
  const n = nameOrId.toLowerCase();
  return ROLES.find((r) => r.name.toLowerCase() === n || r.guid === n || n.endsWith('/roledefinitions/' + r.guid));
};

export const roleDefinitionId = (sub: string, role: RoleDef): string =>
  `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`;

/** Role assignments that apply to `resourceId` (scope is the id or an ancestor). */
export function assignmentsFor(world: World, principalId: string, resourceId: string): ArmResource[] {
  const target = resourceId.toLowerCase();
  return listByType(world, 'Microsoft.Authorization/roleAssignments').filter((ra) => {
    const p = ra.properties as { principalId: string; scope: string };
    const scope = p.scope.toLowerCase();
    return p.principalId === principalId && (target === scope || target.startsWith(scope + '/'));
  });
}

/** Does the principal hold `perm` on the resource, counting only propagated assignments? */
export function rbacAllows(
  world: World,
  principalId: string,
  perm: Perm,
  resourceId: string,
  nowMs: number,
  propagationMs: number,
): boolean {
  return assignmentsFor(world, principalId, resourceId).some((ra) => {
    const role = roleByName(String((ra.properties as { roleDefinitionId: string }).roleDefinitionId));
    return role !== undefined && role.perms.includes(perm) && (ra.meta?.createdAt ?? 0) + propagationMs <= nowMs;
  });
}

/** Key Vault data-plane check: RBAC vaults use role assignments, others their access policies. */
export function vaultAllows(
  world: World,
  vault: ArmResource,
  principalId: string,
  perm: Perm,
  nowMs: number,
  propagationMs: number,
): boolean {
  const props = vault.properties as {
    enableRbacAuthorization?: boolean;
    accessPolicies?: { objectId: string; permissions: Record<string, string[] | null> }[];
  };
  if (props.enableRbacAuthorization) return rbacAllows(world, principalId, perm, vault.id, nowMs, propagationMs);
  const [kind, op] = perm.split('/') as [string, string];
  return (props.accessPolicies ?? []).some(
    (ap) => ap.objectId === principalId && (ap.permissions[kind] ?? []).some((x) => x.toLowerCase() === op || x.toLowerCase() === 'all'),
  );
}
