import type { StepContext } from '../../runner/step.js';

/** Only what these helpers use, so any step's context fits. */
type Ctx = Pick<StepContext, 'cmd' | 'created' | 'willCreate' | 'runTag' | 'azure'>;
import { az } from './az.js';
import { apiVersions, vaultId } from './ids.js';
import { prop } from './json.js';
import { propagationRetry } from './retry.js';
import { tsvValue } from './tsv.js';
import { readGuard } from './write-ahead.js';
import type { ShellTest } from '../../runner/command-types.js';

/** The built-in roles the runbook grants, by their role definition GUIDs (the same in every tenant). */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  'Key Vault Certificates Officer': 'a4417e6f-fecd-4de8-b567-7b0420556985',
  'Key Vault Crypto User': '12338af0-0e69-4776-bea7-57ae8d297424',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  // What preflight looks for: who may assign roles and write policies.
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Role Based Access Control Administrator': 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  'Resource Policy Contributor': '36243c78-bf99-498c-9df9-86d9f8d28608',
};

/** A role definition id's built-in name, or its GUID when it is not one of BUILT_IN_ROLES (a custom role). */
export function roleName(roleDefinitionId: string | undefined): string {
  const id = (roleDefinitionId ?? '').toLowerCase();
  const found = Object.entries(BUILT_IN_ROLES).find(([, guid]) => id.endsWith(`/${guid}`));
  return found ? found[0] : id.slice(id.lastIndexOf('/') + 1);
}

export const ROLE_ASSIGNMENTS_API = '2022-04-01';

/**
 * Names of the roles (of those the runbook grants) assigned to a principal at exactly this scope:
 * one ARM GET of the scope's role assignments, shown as the `az role assignment list` it stands for.
 */
export async function assignedRoles(ctx: Ctx, sub: string, objectId: string, scope: string): Promise<Set<string>> {
  const listed = await ctx.azure.list(`${scope}/providers/Microsoft.Authorization/roleAssignments`, ROLE_ASSIGNMENTS_API, {
    filter: `principalId eq '${objectId}'`,
    shows: az(sub, 'role', 'assignment', 'list', '--assignee', objectId, '--scope', scope, '--query', '[].roleDefinitionName', '-o', 'tsv'),
  });
  const names = new Set<string>();
  for (const a of listed) {
    const p = (a.properties ?? {}) as { scope?: string; roleDefinitionId?: string; principalId?: string };
    if (p.scope?.toLowerCase() !== scope.toLowerCase() || p.principalId?.toLowerCase() !== objectId.toLowerCase()) continue;
    const role = roleName(p.roleDefinitionId);
    if (BUILT_IN_ROLES[role]) names.add(role);
  }
  return names;
}

export interface Grant {
  readonly objectId: string;
  /** Always given: it spares the Graph lookup that fails right after an identity is created (docs/errata.md#assignee-principal-type). */
  readonly principalType: string;
  readonly role: string;
  readonly scope: string;
}

/** The assignments of this role to this principal at this scope, `query` picking the ids to print. */
const listGrant = (sub: string, grant: Omit<Grant, 'principalType'>, query: string): string[] =>
  az(
    sub,
    'role',
    'assignment',
    'list',
    '--assignee',
    grant.objectId,
    '--scope',
    grant.scope,
    '--role',
    grant.role,
    '--query',
    query,
    '-o',
    'tsv',
  );

/** The grant exists: what the exported script checks before it assigns the role, and while it waits for it. */
export function roleAssigned(sub: string, grant: Omit<Grant, 'principalType'>): ShellTest {
  return { argv: listGrant(sub, grant, '[0].id'), expect: 'nonEmpty' };
}

/**
 * `az role assignment create`, recorded by the id Azure returns so teardown deletes exactly it.
 * A role assignment takes no tags: the run's mark goes in its description, which is how a
 * crash before the id came back (and `teardown --sweep`) finds it.
 */
export async function grantRole(ctx: Ctx, sub: string, grant: Grant): Promise<void> {
  const details = { subscription: sub, role: grant.role, scope: grant.scope, objectId: grant.objectId };
  const marked = listGrant(sub, grant, `[?description=='${ctx.runTag}'].id`);
  await ctx.willCreate({ kind: 'roleAssignment', details, guard: readGuard(marked) });
  const created = await ctx.cmd.run(
    az(
      sub,
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      grant.objectId,
      '--assignee-principal-type',
      grant.principalType,
      '--role',
      grant.role,
      '--scope',
      grant.scope,
      '--description',
      ctx.runTag,
      '--query',
      'id',
      '-o',
      'tsv',
    ),
    // A principal created seconds ago may not be visible to RBAC yet (PrincipalNotFound): retry.
    { mutates: true, retry: propagationRetry, done: [roleAssigned(sub, grant)] },
  );
  await ctx.created({ kind: 'roleAssignment', id: tsvValue(created.stdout), details });
}

export type Permissions = Partial<Record<'certificates' | 'keys' | 'secrets', string[]>>;

/** The access-policy entry of one principal, or undefined when it has none (one ARM GET of the vault). */
export async function accessPolicyOf(ctx: Ctx, sub: string, vault: string, rg: string, objectId: string): Promise<Permissions | undefined> {
  const found = await ctx.azure.getById(vaultId(sub, rg, vault), apiVersions.vault, {
    shows: az(
      sub,
      'keyvault',
      'show',
      '-n',
      vault,
      '-g',
      rg,
      '--query',
      `properties.accessPolicies[?objectId=='${objectId}'].permissions | [0]`,
      '-o',
      'json',
    ),
  });
  const policies = (prop(found?.properties, 'accessPolicies') ?? []) as { objectId?: string; permissions?: Permissions }[];
  return policies.find((p) => p.objectId?.toLowerCase() === objectId.toLowerCase())?.permissions;
}

/** What is still missing from `current` to grant `wanted` (undefined when nothing is). */
export function missingPermissions(current: Permissions | undefined, wanted: Permissions): Permissions | undefined {
  const missing: Permissions = {};
  for (const [kind, perms] of Object.entries(wanted) as [keyof Permissions, string[]][]) {
    const have = new Set((current?.[kind] ?? []).map((p) => p.toLowerCase()));
    if (perms.some((p) => !have.has(p.toLowerCase()))) missing[kind] = perms;
  }
  return Object.keys(missing).length > 0 ? missing : undefined;
}

const flag = { certificates: '--certificate-permissions', keys: '--key-permissions', secrets: '--secret-permissions' } as const;

/** The principal's access policy holds every wanted permission (JMESPath contains() on each list). */
export function accessPolicyGranted(sub: string, vault: string, rg: string, objectId: string, wanted: Permissions): ShellTest {
  const terms = (Object.entries(wanted) as [keyof Permissions, string[]][]).flatMap(([kind, perms]) =>
    perms.map((p) => `contains(permissions.${kind} || \`[]\`, '${p}')`),
  );
  return {
    argv: az(
      sub,
      'keyvault',
      'show',
      '-n',
      vault,
      '-g',
      rg,
      '--query',
      `properties.accessPolicies[?objectId=='${objectId}' && ${terms.join(' && ')}].objectId`,
      '-o',
      'tsv',
    ),
    expect: 'nonEmpty',
  };
}

/**
 * `az keyvault set-policy` for an access-policy vault. set-policy replaces a category's list
 * for that principal, so what it already had in that category is kept (never narrowed).
 * Recorded for teardown only when the principal had no entry before.
 */
export async function grantAccessPolicy(
  ctx: Ctx,
  sub: string,
  vault: string,
  rg: string,
  objectId: string,
  wanted: Permissions,
): Promise<void> {
  const current = await accessPolicyOf(ctx, sub, vault, rg, objectId);
  const missing = missingPermissions(current, wanted);
  if (!missing) return;
  const args: string[] = [];
  for (const [kind, perms] of Object.entries(missing) as [keyof Permissions, string[]][]) {
    const kept = (current?.[kind] ?? []).filter((p) => !perms.some((w) => w.toLowerCase() === p.toLowerCase()));
    args.push(flag[kind], ...perms, ...kept);
  }
  // An entry the principal had before is only widened, never recorded (teardown must not remove it).
  const details = { subscription: sub, vaultName: vault, resourceGroup: rg, objectId };
  const entry = { kind: 'accessPolicy', id: `${vault}#${objectId}`, details };
  const query = `properties.accessPolicies[?objectId=='${objectId}'].objectId`;
  const found = az(sub, 'keyvault', 'show', '-n', vault, '-g', rg, '--query', query, '-o', 'tsv');
  if (!current) await ctx.willCreate({ ...entry, guard: readGuard(found) });
  await ctx.cmd.run(az(sub, 'keyvault', 'set-policy', '-n', vault, '-g', rg, '--object-id', objectId, ...args, '-o', 'none'), {
    mutates: true,
    retry: propagationRetry,
    done: [accessPolicyGranted(sub, vault, rg, objectId, wanted)],
  });
  if (!current) await ctx.created(entry);
}
