import type { StepContext } from '../../runner/step.js';
import { ROLE_ASSIGNMENTS_API, roleName } from '../_shared/access.js';
import { az } from '../_shared/az.js';

/** Built-in roles that may create role assignments (Microsoft.Authorization/roleAssignments/write). */
export const ROLE_ASSIGNMENT_WRITERS = ['Owner', 'User Access Administrator', 'Role Based Access Control Administrator'] as const;
/** Built-in roles that may write policy definitions and assignments (User Access Administrator holds Microsoft.Authorization/*). */
export const POLICY_WRITERS = ['Resource Policy Contributor', 'Owner', 'User Access Administrator'] as const;

export interface Need {
  /** What the run will do there, in the user's words. */
  readonly what: string;
  readonly scope: string;
  readonly roles: readonly string[];
}

interface Assignment {
  readonly role?: string;
  readonly scope?: string;
}

/**
 * The caller's role assignments everywhere in the subscription (its groups' included): one ARM
 * GET with `assignedTo()`, shown as the `az role assignment list` it stands for. A plan reads
 * nothing and finds nothing to complain about.
 */
export async function callerAssignments(
  ctx: Pick<StepContext, 'azure' | 'mode'>,
  sub: string,
  callerObjectId: string,
): Promise<Assignment[] | 'planned'> {
  const listed = await ctx.azure.list(`/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments`, ROLE_ASSIGNMENTS_API, {
    filter: `assignedTo('${callerObjectId}')`,
    shows: az(
      sub,
      'role',
      'assignment',
      'list',
      '--assignee',
      callerObjectId,
      '--all',
      '--include-groups',
      '--query',
      '[].{role:roleDefinitionName, scope:scope}',
      '-o',
      'json',
    ),
  });
  if (ctx.mode === 'plan') return 'planned';
  return listed.map((a) => {
    const p = (a.properties ?? {}) as { scope?: string; roleDefinitionId?: string };
    return { role: roleName(p.roleDefinitionId), ...(p.scope ? { scope: p.scope } : {}) };
  });
}

const covers = (assignmentScope: string, target: string): boolean => {
  const s = assignmentScope.toLowerCase().replace(/\/+$/, '');
  const t = target.toLowerCase();
  return t === s || t.startsWith(`${s}/`);
};

/** The needs no assignment covers, each named with the roles that would grant it and what the caller holds there. */
export function missingNeeds(assignments: readonly Assignment[], needs: readonly Need[], caller: string): string[] {
  const problems: string[] = [];
  for (const need of needs) {
    const held = assignments.filter((a) => a.scope && covers(a.scope, need.scope)).map((a) => a.role ?? '');
    if (held.some((role) => need.roles.includes(role))) continue;
    const has = held.length > 0 ? [...new Set(held)].join(', ') : 'no role';
    problems.push(
      `${caller} cannot ${need.what}: it needs ${roleList(need.roles)} on ${need.scope} (it has ${has} there). ` +
        'Ask an owner of the subscription to grant it, or run as someone who has it.',
    );
  }
  return problems;
}

function roleList(roles: readonly string[]): string {
  return roles.length <= 1 ? (roles[0] ?? '') : `${roles.slice(0, -1).join(', ')} or ${roles[roles.length - 1]}`;
}
