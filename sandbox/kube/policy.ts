import { createHash } from 'node:crypto';
import type { LatencyProfile } from '../latency.js';
import type { ArmResource, KubeObject, World } from '../world/model.js';
import { getResource, listByType } from '../world/resources.js';
import { makeObject } from './objects.js';

/**
 * Azure Policy -> cluster: the add-on checks for assignment changes every 15 minutes
 * (docs/errata.md#policy-sync-wait), so an assignment becomes a ConstraintTemplate + an
 * `azurepolicy-ratifyverification-<hash>` constraint only a sync delay after it was created,
 * and a deleted one keeps being enforced for a sync delay.
 */
export interface SyncedConstraint {
  name: string;
  assignment: ArmResource;
  enforcementAction: 'deny' | 'dryrun';
  namespaces: string[];
  excludedNamespaces: string[];
  createdAt: number;
}

export interface PolicyView {
  constraints: SyncedConstraint[];
  templateCreatedAt?: number;
  /**
   * The next moment this view changes with nothing else changing (an assignment reaches the
   * cluster a sync delay after it was made; a deleted one leaves a delay after it went), if any.
   */
  changesAt?: number;
  /** Why an assignment did not reach the cluster (azure-policy pod logs). */
  problems: string[];
}

/** Hosts that served the template over the years; only the current one answers (docs/errata.md#policy-template-url). */
const LIVE_TEMPLATE_HOSTS = ['notaryproject.github.io'];

export const constraintName = (assignmentId: string): string =>
  `azurepolicy-ratifyverification-${createHash('sha256').update(assignmentId.toLowerCase()).digest('hex').slice(0, 20)}`;

/** What is wrong with the template (undefined: nothing), or 'not-ratify' when it is not Ratify's at all. */
function templateProblem(details: Record<string, unknown>): string | undefined {
  const info = details.templateInfo as { sourceType?: string; url?: string; content?: string } | undefined;
  const legacyUrl = typeof details.constraintTemplate === 'string' ? details.constraintTemplate : undefined;
  if (info?.sourceType?.toLowerCase() === 'base64encoded') {
    const text = Buffer.from(info.content ?? '', 'base64').toString('utf8');
    return /kind:\s*RatifyVerification/i.test(text) || /ratifyverification/i.test(text) ? undefined : 'not-ratify';
  }
  const url = info?.url ?? legacyUrl;
  if (!url) return 'not-ratify';
  if (!/ratify/i.test(url)) return 'not-ratify';
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    return `failed to download constraint template from '${url}': invalid URL`;
  }
  if (!LIVE_TEMPLATE_HOSTS.includes(host)) return `failed to download constraint template from '${url}': 404 Not Found`;
  return undefined;
}

function paramValue(assignment: ArmResource, def: ArmResource, key: string): unknown {
  const a = (assignment.properties.parameters ?? {}) as Record<string, { value?: unknown }>;
  if (a[key]?.value !== undefined) return a[key].value;
  return ((def.properties.parameters ?? {}) as Record<string, { defaultValue?: unknown }>)[key]?.defaultValue;
}

export function policyView(world: World, cluster: ArmResource, now: number, latency: LatencyProfile): PolicyView {
  const view: PolicyView = { constraints: [], problems: [] };
  const addon = (cluster.properties.addonProfiles as Record<string, { enabled?: boolean }> | undefined)?.azurepolicy?.enabled;
  if (!addon) return view;
  const delay = latency.ms('policySync');
  const cid = cluster.id.toLowerCase();
  const candidates: { assignment: ArmResource; createdAt: number }[] = [];
  for (const pa of listByType(world, 'Microsoft.Authorization/policyAssignments')) {
    const scope = String(pa.properties.scope).toLowerCase();
    if (cid === scope || cid.startsWith(scope + '/')) candidates.push({ assignment: pa, createdAt: pa.meta?.createdAt ?? 0 });
  }
  for (const rec of world.policySync) {
    if (rec.clusterId.toLowerCase() === cid && rec.snapshot && rec.deletedAt !== undefined && rec.deletedAt + delay > now) {
      candidates.push({ assignment: rec.snapshot, createdAt: rec.createdAt });
    }
  }
  const later = (at: number): void => {
    view.changesAt = Math.min(view.changesAt ?? Number.MAX_SAFE_INTEGER, at);
  };
  for (const rec of world.policySync) {
    if (rec.clusterId.toLowerCase() === cid && rec.snapshot && rec.deletedAt !== undefined && rec.deletedAt + delay > now)
      later(rec.deletedAt + delay);
  }
  for (const { assignment, createdAt } of candidates) {
    if (createdAt + delay > now) {
      later(createdAt + delay);
      continue;
    }
    const def = getResource(world, String(assignment.properties.policyDefinitionId));
    if (!def) continue; // initiatives (Image Integrity) are audit-only and not modelled as constraints
    if (String(def.properties.mode) !== 'Microsoft.Kubernetes.Data') continue;
    const then = (def.properties.policyRule as { then?: { effect?: string; details?: Record<string, unknown> } }).then ?? {};
    const problem = templateProblem(then.details ?? {});
    if (problem === 'not-ratify') continue;
    if (problem) {
      view.problems.push(`policy assignment ${assignment.name}: ${problem}`);
      continue;
    }
    let effect = String(then.effect ?? 'deny');
    const m = /^\[parameters\('([^']+)'\)\]$/.exec(effect);
    if (m) effect = String(paramValue(assignment, def, m[1]!) ?? 'deny');
    effect = effect.toLowerCase();
    if (effect === 'disabled') continue;
    if (String(assignment.properties.enforcementMode) === 'DoNotEnforce') effect = 'audit';
    const list = (key: string, dflt: string[]): string[] => {
      const raw = then.details?.[key];
      const pm = typeof raw === 'string' ? /^\[parameters\('([^']+)'\)\]$/.exec(raw) : null;
      const v = pm ? paramValue(assignment, def, pm[1]!) : raw;
      return Array.isArray(v) ? v.map(String) : dflt;
    };
    view.constraints.push({
      name: constraintName(assignment.id),
      assignment,
      enforcementAction: effect === 'deny' ? 'deny' : 'dryrun',
      namespaces: list('namespaces', []),
      // The add-on always excludes these (Learn: Azure Policy for Kubernetes).
      excludedNamespaces: [...new Set([...list('excludedNamespaces', []), 'kube-system', 'gatekeeper-system'])],
      createdAt: createdAt + delay,
    });
    view.templateCreatedAt = Math.min(view.templateCreatedAt ?? Number.MAX_SAFE_INTEGER, createdAt + delay);
  }
  return view;
}

export const covers = (c: SyncedConstraint, ns: string): boolean =>
  !c.excludedNamespaces.includes(ns) && (c.namespaces.length === 0 || c.namespaces.includes(ns));

export function policyObjects(
  view: PolicyView,
  violations: (c: SyncedConstraint) => { namespace: string; name: string; message: string }[],
): KubeObject[] {
  const out: KubeObject[] = [];
  if (view.templateCreatedAt === undefined) return out;
  out.push(
    makeObject('ConstraintTemplate', 'templates.gatekeeper.sh/v1', 'ratifyverification', undefined, view.templateCreatedAt, {
      annotations: {
        'constraint-template-installed-by': 'azure-policy-addon',
        'azure-policy-definition-id': String(view.constraints[0]?.assignment.properties.policyDefinitionId ?? ''),
      },
      labels: { managed_by: 'azure-policy-addon' },
      spec: { crd: { spec: { names: { kind: 'RatifyVerification' } } } },
      status: { created: true },
    }),
  );
  for (const c of view.constraints) {
    const v = c.enforcementAction === 'dryrun' ? violations(c) : [];
    out.push(
      makeObject('RatifyVerification', 'constraints.gatekeeper.sh/v1beta1', c.name, undefined, c.createdAt, {
        annotations: {
          'azure-policy-assignment-id': c.assignment.id,
          'azure-policy-definition-id': String(c.assignment.properties.policyDefinitionId),
          'constraint-installed-by': 'azure-policy-addon',
        },
        labels: { managed_by: 'azure-policy-addon' },
        spec: {
          enforcementAction: c.enforcementAction,
          match: {
            kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
            ...(c.namespaces.length ? { namespaces: c.namespaces } : {}),
            excludedNamespaces: c.excludedNamespaces,
          },
        },
        status: {
          totalViolations: v.length,
          violations: v.map((x) => ({
            enforcementAction: c.enforcementAction,
            kind: 'Pod',
            message: x.message,
            name: x.name,
            namespace: x.namespace,
            version: 'v1',
          })),
        },
      }),
    );
  }
  return out;
}
