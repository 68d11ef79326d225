import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { guid } from '../world/ids.js';
import type { ArmResource } from '../world/model.js';
import { deleteResource, flatten, getResource, listByType, putResource, rgId, subId } from '../world/resources.js';
import { bool, str } from './args.js';
import { createdBy, requireControlPlane } from './common.js';
import type { AzCtx } from './context.js';
import { armError, cliError, resourceGroupNotFound, usageError } from './errors.js';
import type { AzCommand } from './registry.js';

/** Azure Policy definitions and assignments (output flattened, as az prints them). */

/** az takes a JSON string or a path to a JSON file for --rules/--params/-p. */
function jsonArg(ctx: AzCtx, value: string, what: string): unknown {
  let text = value;
  const path = value.startsWith('@') ? value.slice(1) : value;
  if (value.startsWith('@') || (!value.trim().startsWith('{') && !value.trim().startsWith('[') && existsSync(resolve(ctx.cwd, path)))) {
    try {
      text = ctx.readFile(path);
    } catch {
      throw cliError(`[Errno 2] No such file or directory: '${path}'`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw cliError(`Failed to parse ${what}: expected a JSON string or a path to a JSON file.`);
  }
}

/**
 * An AAZAnyTypeArg value (azure-cli-core aaz/_arg_action.py, AAZAnyTypeArgAction.decode_str):
 * a partial-value shorthand such as `category=Kubernetes` is refused; otherwise JSON or a full
 * shorthand object such as `{category:Kubernetes}`. The refusal is an argument error (exit 2).
 */
const refusePartialShorthand =
  (option: string) =>
  (value: string): void => {
    if (/^[A-Za-z0-9_.\-[\]]+=/.test(value)) {
      throw usageError(
        `Failed to parse '${option}' argument: AnyType args only support full value shorthand syntax, ` +
          "please don't use partial value shorthand syntax. " +
          "If it's a simple string, please wrap it with single quotes.",
      );
    }
  };

function anyTypeArg(ctx: AzCtx, option: string, value: string): unknown {
  refusePartialShorthand(option)(value);
  const text = value.startsWith('@') || existsSync(resolve(ctx.cwd, value)) ? ctx.readFile(value.replace(/^@/, '')) : value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return shorthand(text, option);
  }
}

/** Full-value shorthand: `{a:b,c:d}` (nested braces, no quoting needed), or a bare word. */
function shorthand(text: string, option: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{')) return t.replace(/^'(.*)'$/, '$1');
  if (!t.endsWith('}')) throw usageError(`Failed to parse '${option}' argument: Invalid shorthand syntax: missing '}'`);
  const out: Record<string, unknown> = {};
  let depth = 0;
  let start = 1;
  const parts: string[] = [];
  for (let i = 1; i < t.length - 1; i++) {
    if (t[i] === '{' || t[i] === '[') depth++;
    else if (t[i] === '}' || t[i] === ']') depth--;
    else if (t[i] === ',' && depth === 0) {
      parts.push(t.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(t.slice(start, t.length - 1));
  for (const part of parts.filter((x) => x.trim())) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw usageError(`Failed to parse '${option}' argument: Invalid shorthand syntax: expected 'key:value' in '${part}'`);
    out[part.slice(0, colon).trim()] = shorthand(part.slice(colon + 1), option);
  }
  return out;
}

const defId = (sub: string, name: string): string => `${subId(sub)}/providers/Microsoft.Authorization/policyDefinitions/${name}`;

function defView(r: ArmResource): Record<string, unknown> {
  return { systemData: null, ...flatten(r) };
}

function findDefinition(ctx: AzCtx, nameOrId: string): ArmResource | undefined {
  if (nameOrId.startsWith('/')) return getResource(ctx.world, nameOrId);
  return getResource(ctx.world, defId(ctx.sub.id, nameOrId));
}

function definitionNotFound(name: string): never {
  throw armError('PolicyDefinitionNotFound', `The policy definition '${name}' could not be found.`, { status: 404 });
}

function scopeFor(ctx: AzCtx, scope: string | undefined, rg: string | undefined): string {
  if (scope) return scope.replace(/\/+$/, '');
  if (rg) {
    if (!getResource(ctx.world, rgId(ctx.sub.id, rg))) throw resourceGroupNotFound(rg);
    return rgId(ctx.sub.id, rg);
  }
  return subId(ctx.sub.id);
}

/** Assignment deletion reaches clusters a sync later: remember when it happened. */
function recordDeletion(ctx: AzCtx, assignment: ArmResource): void {
  const scope = String(assignment.properties.scope).toLowerCase();
  for (const c of listByType(ctx.world, 'Microsoft.ContainerService/ManagedClusters')) {
    if (c.id.toLowerCase() === scope || c.id.toLowerCase().startsWith(scope + '/')) {
      ctx.world.policySync.push({
        assignmentId: assignment.id,
        clusterId: c.id,
        createdAt: assignment.meta?.createdAt ?? 0,
        deletedAt: ctx.now(),
        snapshot: JSON.parse(JSON.stringify(assignment)) as ArmResource,
      });
    }
  }
}

export const policyCommands: AzCommand[] = [
  {
    path: 'policy definition create',
    args: [
      { names: '--name -n', required: true },
      { names: '--rules', required: true },
      { names: '--params' },
      { names: '--mode' },
      { names: '--display-name' },
      { names: '--description' },
      // Since the policy commands moved to aaz, --metadata is one argument of any type
      // (_create.py: AAZAnyTypeArg): JSON or full-value shorthand, never key=value words.
      { names: '--metadata', validate: refusePartialShorthand('--metadata') },
      { names: '--management-group' },
    ],
    run: async (ctx, a) => {
      const name = str(a, 'name')!;
      const rules = jsonArg(ctx, str(a, 'rules')!, '--rules') as Record<string, unknown>;
      if (!rules || typeof rules !== 'object' || !('if' in rules) || !('then' in rules)) {
        throw armError(
          'InvalidPolicyRule',
          `Failed to parse policy rule: 'Could not find member 'if' on object of type 'PolicyRuleDefinition'.`,
        );
      }
      const params = str(a, 'params') ? (jsonArg(ctx, str(a, 'params')!, '--params') as Record<string, unknown>) : null;
      const metadata = str(a, 'metadata') !== undefined ? anyTypeArg(ctx, '--metadata', str(a, 'metadata')!) : undefined;
      requireControlPlane(ctx, 'policy/write', 'Microsoft.Authorization/policyDefinitions/write', defId(ctx.sub.id, name));
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const now = ctx.now();
      const existing = getResource(ctx.world, defId(ctx.sub.id, name));
      const r = putResource(ctx.world, {
        id: defId(ctx.sub.id, name),
        name,
        type: 'Microsoft.Authorization/policyDefinitions',
        properties: {
          description: str(a, 'description') ?? null,
          displayName: str(a, 'displayName') ?? null,
          metadata: {
            ...(metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {}),
            createdBy: ctx.caller.objectId,
            createdOn: new Date(existing?.meta?.createdAt ?? now).toISOString(),
            updatedBy: null,
            updatedOn: null,
          },
          mode: str(a, 'mode') ?? 'Indexed',
          parameters: params,
          policyRule: rules,
          policyType: 'Custom',
          version: '1.0.0',
        },
        systemData: createdBy(ctx, now),
        meta: { createdAt: existing?.meta?.createdAt ?? now },
      });
      ctx.markDirty();
      return defView(r);
    },
  },
  {
    path: 'policy definition show',
    args: [{ names: '--name -n', required: true }, { names: '--management-group' }],
    run: (ctx, a) => defView(findDefinition(ctx, str(a, 'name')!) ?? definitionNotFound(str(a, 'name')!)),
  },
  {
    path: 'policy definition list',
    args: [{ names: '--management-group' }],
    run: (ctx) => listByType(ctx.world, 'Microsoft.Authorization/policyDefinitions', ctx.sub.id).map(defView),
  },
  {
    path: 'policy definition delete',
    args: [{ names: '--name -n', required: true }, { names: '--management-group' }],
    run: (ctx, a) => {
      const d = findDefinition(ctx, str(a, 'name')!);
      if (!d) return null;
      const inUse = listByType(ctx.world, 'Microsoft.Authorization/policyAssignments').find(
        (pa) => String(pa.properties.policyDefinitionId).toLowerCase() === d.id.toLowerCase(),
      );
      if (inUse) {
        throw armError('PolicyDefinitionInUse', `The policy definition '${d.name}' is in use by the following assignments: [${inUse.id}]`);
      }
      requireControlPlane(ctx, 'policy/write', 'Microsoft.Authorization/policyDefinitions/delete', d.id);
      deleteResource(ctx.world, d.id);
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'policy assignment create',
    args: [
      { names: '--name -n' },
      { names: '--policy' },
      { names: '--policy-set-definition -d' },
      { names: '--scope' },
      { names: '--resource-group -g' },
      { names: '--params -p' },
      { names: '--enforcement-mode -e', choices: ['Default', 'DoNotEnforce'] },
      { names: '--display-name' },
      { names: '--description' },
      { names: '--location -l' },
      { names: '--mi-system-assigned', kind: 'flag' },
      { names: '--mi-user-assigned' },
      { names: '--identity-scope' },
      { names: '--role' },
      { names: '--not-scopes', kind: 'list' },
    ],
    run: async (ctx, a) => {
      const scope = scopeFor(ctx, str(a, 'scope'), str(a, 'resourceGroup'));
      if (!/^\/subscriptions\/[^/]+$/i.test(scope) && !getResource(ctx.world, scope)) {
        throw armError(
          'InvalidCreatePolicyAssignmentRequest',
          `The policy assignment scope '${scope}' is invalid or the resource does not exist.`,
        );
      }
      const policy = str(a, 'policy');
      const set = str(a, 'policySetDefinition');
      if (!policy && !set) throw cliError('usage error: --policy NAME_OR_ID | --policy-set-definition NAME_OR_ID');
      let definitionId: string;
      let def: ArmResource | undefined;
      if (policy) {
        def = findDefinition(ctx, policy) ?? definitionNotFound(policy);
        definitionId = def.id;
      } else {
        definitionId = set!.startsWith('/') ? set! : `/providers/Microsoft.Authorization/policySetDefinitions/${set}`;
      }
      const params = str(a, 'params') ? (jsonArg(ctx, str(a, 'params')!, '--params') as Record<string, { value: unknown }>) : null;
      const name = str(a, 'name') ?? guid().replace(/-/g, '').slice(0, 24);
      if (def && params) {
        const declared = (def.properties.parameters ?? {}) as Record<string, { allowedValues?: unknown[] }>;
        for (const [k, v] of Object.entries(params)) {
          const decl = declared[k];
          if (!decl)
            throw armError(
              'UndefinedPolicyParameter',
              `The policy assignment '${name}' has a parameter '${k}' that is not defined in the policy definition '${def.name}'.`,
            );
          const value = (v as { value?: unknown })?.value;
          if (decl.allowedValues && !decl.allowedValues.some((x) => String(x).toLowerCase() === String(value).toLowerCase())) {
            throw armError(
              'InvalidPolicyParameterValue',
              `The value '${String(value)}' is not allowed for policy parameter '${k}' in policy definition '${def.name}'. The allowed values are '${decl.allowedValues.join(', ')}'.`,
            );
          }
        }
      }
      const id = `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`;
      requireControlPlane(ctx, 'policy/write', 'Microsoft.Authorization/policyAssignments/write', id);
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const now = ctx.now();
      const existing = getResource(ctx.world, id);
      const mi = bool(a, 'miSystemAssigned');
      const r = putResource(ctx.world, {
        id,
        name,
        type: 'Microsoft.Authorization/policyAssignments',
        ...(str(a, 'location') ? { location: str(a, 'location')! } : {}),
        identity: mi ? { principalId: guid(), tenantId: ctx.world.tenant.id, type: 'SystemAssigned' } : null,
        properties: {
          description: str(a, 'description') ?? null,
          displayName: str(a, 'displayName') ?? null,
          enforcementMode: str(a, 'enforcementMode') ?? 'Default',
          metadata: {
            assignedBy: ctx.world.user.displayName,
            createdBy: ctx.caller.objectId,
            createdOn: new Date(now).toISOString(),
            updatedBy: null,
            updatedOn: null,
          },
          nonComplianceMessages: null,
          notScopes: a.notScopes ?? null,
          parameters: params,
          policyDefinitionId: definitionId,
          scope,
        },
        systemData: createdBy(ctx, now),
        // An update in place keeps the original time: the add-on already synced it.
        meta: { createdAt: existing?.meta?.createdAt ?? now },
      });
      ctx.markDirty();
      return flatten(r);
    },
  },
  {
    path: 'policy assignment show',
    args: [{ names: '--name -n', required: true }, { names: '--scope' }, { names: '--resource-group -g' }],
    run: (ctx, a) => {
      const scope = scopeFor(ctx, str(a, 'scope'), str(a, 'resourceGroup'));
      const r = getResource(ctx.world, `${scope}/providers/Microsoft.Authorization/policyAssignments/${str(a, 'name')}`);
      if (!r) throw armError('PolicyAssignmentNotFound', `The policy assignment '${str(a, 'name')}' is not found.`, { status: 404 });
      return flatten(r);
    },
  },
  {
    path: 'policy assignment list',
    args: [
      { names: '--scope' },
      { names: '--resource-group -g' },
      { names: '--disable-scope-strict-match', kind: 'flag' },
      { names: '--policy' },
    ],
    run: (ctx, a) => {
      const scope = scopeFor(ctx, str(a, 'scope'), str(a, 'resourceGroup')).toLowerCase();
      const loose = bool(a, 'disableScopeStrictMatch') ?? false;
      return listByType(ctx.world, 'Microsoft.Authorization/policyAssignments', ctx.sub.id)
        .filter((r) => {
          const s = String(r.properties.scope).toLowerCase();
          return s === scope || (loose && (s.startsWith(scope + '/') || scope.startsWith(s + '/')));
        })
        .map((r) => flatten(r));
    },
  },
  {
    // Compliance results are not simulated: the list is empty (the sandbox reports audit
    // violations in the cluster, on the constraint's status, instead).
    path: 'policy state list',
    args: [
      { names: '--resource' },
      { names: '--resource-group -g' },
      { names: '--policy-assignment -a' },
      { names: '--filter' },
      { names: '--top' },
      { names: '--all', kind: 'flag' },
    ],
    run: () => [],
  },
  {
    path: 'policy assignment delete',
    args: [{ names: '--name -n', required: true }, { names: '--scope' }, { names: '--resource-group -g' }],
    run: (ctx, a) => {
      const scope = scopeFor(ctx, str(a, 'scope'), str(a, 'resourceGroup'));
      const r = getResource(ctx.world, `${scope}/providers/Microsoft.Authorization/policyAssignments/${str(a, 'name')}`);
      // ARM DELETE of a missing assignment is a 204: success.
      if (!r) return null;
      requireControlPlane(ctx, 'policy/write', 'Microsoft.Authorization/policyAssignments/delete', r.id);
      recordDeletion(ctx, r);
      deleteResource(ctx.world, r.id);
      ctx.markDirty();
      return null;
    },
  },
];
