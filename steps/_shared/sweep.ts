import type { CreatedResource } from '../../kernel/created-resource.js';
import type { StepContext, TeardownContext } from '../../runner/step.js';
import { hasRunMarker } from '../../runner/write-ahead.js';
import { az } from './az.js';
import { parseJson } from './json.js';
import { removeOne } from './teardown.js';

/**
 * The safety net under the ledger (`teardown --sweep`, `status --check-cloud`): everything in
 * the subscription that carries this run's mark. Tagged ARM resources are found with one
 * `$filter` query; role assignments, policy definitions and policy assignments take no tags,
 * so the run writes its marker in their description and they are found by listing them.
 * Federated credentials go with the identity they belong to.
 */
type Ctx = Pick<StepContext, 'cmd' | 'azure' | 'runTag'>;

/** ARM type -> the teardown kind that removes it (deleted in this order, after the grants). */
const ARM_KINDS: readonly (readonly [type: string, kind: string])[] = [
  ['microsoft.managedidentity/userassignedidentities', 'identity'],
  ['microsoft.keyvault/vaults', 'keyVault'],
  ['microsoft.containerservice/managedclusters', 'cluster'],
  ['microsoft.containerregistry/registries', 'registry'],
  ['microsoft.resources/resourcegroups', 'resourceGroup'],
];

const ORDER = ['policyAssignment', 'policyDefinition', 'roleAssignment', ...ARM_KINDS.map(([, kind]) => kind)];

/** A marked resource: what teardown's removeOne needs, plus a line to show. */
export interface Marked extends CreatedResource {
  readonly label: string;
}

const runIdOf = (ctx: Ctx) => ctx.runTag.slice(ctx.runTag.indexOf('=') + 1);
const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';

interface Described {
  readonly id?: string;
  readonly name?: string;
  readonly scope?: string;
  readonly description?: string | null;
  readonly roleDefinitionName?: string;
}

async function listed(ctx: Ctx, argv: readonly string[], what: string): Promise<Described[]> {
  const result = await ctx.cmd.run(argv, { mutates: false });
  return parseJson<Described[]>(result.stdout, what) ?? [];
}

/** Everything in `subscription` that carries this run's mark, in the order it can be removed. */
export async function findMarked(ctx: Ctx, subscription: string): Promise<Marked[]> {
  const runId = runIdOf(ctx);
  const marked = (d: Described) => hasRunMarker(d.description, runId);
  const details = { subscription };
  const [tagged, roles, definitions, assignments] = await Promise.all([
    ctx.azure.listTagged(subscription, 'ratify-runbook-run', runId),
    listed(ctx, az(subscription, 'role', 'assignment', 'list', '--all', '-o', 'json'), 'az role assignment list'),
    listed(ctx, az(subscription, 'policy', 'definition', 'list', '--query', "[?policyType=='Custom']", '-o', 'json'), 'policy definitions'),
    listed(ctx, az(subscription, 'policy', 'assignment', 'list', '--disable-scope-strict-match', '-o', 'json'), 'policy assignments'),
  ]);
  const found: Marked[] = [
    ...assignments.filter(marked).map((a) => ({
      kind: 'policyAssignment',
      id: a.id ?? '',
      details: { ...details, name: a.name ?? '', scope: a.scope ?? '' },
      label: `policy assignment ${a.name} at ${a.scope}`,
    })),
    ...definitions.filter(marked).map((d) => ({
      kind: 'policyDefinition',
      id: d.id ?? '',
      details: { ...details, name: d.name ?? '' },
      label: `policy definition ${d.name}`,
    })),
    ...roles.filter(marked).map((r) => ({
      kind: 'roleAssignment',
      id: r.id ?? '',
      details,
      label: `role assignment ${r.roleDefinitionName ?? ''} at ${r.scope ?? ''}`,
    })),
    ...tagged.flatMap((r) => {
      const kind = ARM_KINDS.find(([type]) => type === r.type?.toLowerCase())?.[1];
      const id = r.id ?? '';
      const label = `${r.type} ${r.name}`;
      if (!kind) return [{ kind: 'unknown', id, details, label }];
      return [{ kind, id, details: { ...details, name: r.name ?? '', resourceGroup: rgOf(id) }, label }];
    }),
  ];
  return found.filter((f) => f.id).sort((a, b) => rank(a.kind) - rank(b.kind));
}

const rank = (kind: string) => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

/** Role assignments and policies: kinds that take no tags (found by the marker in their description). */
export function isGrantOrPolicy(resource: Pick<Marked, 'kind'>): boolean {
  return ['policyAssignment', 'policyDefinition', 'roleAssignment'].includes(resource.kind);
}

/** The resource group (`/subscriptions/<sub>/resourcegroups/<rg>`, lower case) an ARM id lives in. */
const groupOf = (id: string) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(id)?.[0].toLowerCase();

/**
 * Removes what findMarked found, grants first; "already gone" (a cascade) counts as done. A cluster
 * or registry in a marked resource group being removed goes with the group, as the ledger's teardown
 * of the base resources does (one delete instead of three).
 */
export async function removeMarked(ctx: TeardownContext, found: readonly Marked[]): Promise<string[]> {
  const left: string[] = [];
  const groups = new Set(found.filter((r) => r.kind === 'resourceGroup').map((r) => r.id.toLowerCase()));
  for (const resource of found) {
    if (resource.kind === 'unknown') {
      left.push(`${resource.label} (${resource.id}): not a kind the runbook creates; remove it by hand if you want it gone`);
      continue;
    }
    const group = groupOf(resource.id);
    if (['cluster', 'registry'].includes(resource.kind) && group && groups.has(group)) {
      ctx.log(`${resource.label} goes with its resource group`);
      continue;
    }
    await removeOne(ctx, resource);
    ctx.log(`removed ${resource.label}`);
  }
  return left;
}
