import type { KubeObject, StepContext } from '../../runner/step.js';
import { CONSTRAINT_TEMPLATES, RATIFY_CONSTRAINTS } from '../_shared/kube.js';

type Ctx = Pick<StepContext, 'kube'>;

export const SYNC_NOTE = 'the Azure Policy add-on checks for assignment changes every 15 minutes';

/** Azure Policy turns Deny into enforcementAction deny, and Audit into dryrun. */
export const enforcementActionFor = (effect: string) => (effect === 'Deny' ? 'deny' : 'dryrun');

/** What a person types to see the constraints and their enforcement action. */
export const SHOW_CONSTRAINTS = [
  'kubectl',
  'get',
  'ratifyverification',
  '-o',
  'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.enforcementAction}{"\\n"}{end}',
];
const SHOW_TEMPLATE = ['kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name'];
const ACTIONS = ['kubectl', 'get', 'ratifyverification', '-o', 'jsonpath={.items[*].spec.enforcementAction}'];

/** The first constraint's name: what the exported script records as policy.constraintName. */
export const CONSTRAINT_NAME = ['kubectl', 'get', 'ratifyverification', '-o', 'jsonpath={.items[0].metadata.name}'];

const constraintsOf = (objects: readonly KubeObject[]): { name: string; action: string }[] =>
  objects.map((o) => ({
    name: o.metadata.name,
    action: String((o.spec as { enforcementAction?: string } | undefined)?.enforcementAction || 'deny'),
  }));

/** `azurepolicy-ratifyverification-<hash>` constraints in the cluster, with their enforcement action (none before the template). */
export async function ratifyConstraints(ctx: Pick<StepContext, 'kube' | 'mode'>): Promise<{ name: string; action: string }[] | 'planned'> {
  const listed = await ctx.kube.list(RATIFY_CONSTRAINTS, {}, { shows: SHOW_CONSTRAINTS });
  if (ctx.mode === 'plan') return 'planned';
  return constraintsOf(listed ?? []);
}

/**
 * Watches (never a fixed sleep: docs/errata.md#policy-sync-wait) until the template's constraint
 * type exists and a constraint with the right action is in it. The constraint kind is served
 * only once the add-on has synced the template, so one watch covers both.
 */
export async function waitForConstraint(ctx: Ctx, effect: string): Promise<string> {
  const wanted = enforcementActionFor(effect);
  return ctx.kube.waitFor(
    'the ratifyverification constraint template and its constraint',
    RATIFY_CONSTRAINTS,
    {},
    (objects) => constraintsOf(objects ?? []).find((c) => c.name.startsWith('azurepolicy-ratifyverification') && c.action === wanted)?.name,
    // The add-on syncs every 15 minutes: look every 30 s, give up after 30 min (two syncs and then some).
    {
      timeoutMs: 30 * 60_000,
      intervalMs: 30_000,
      note: SYNC_NOTE,
      planned: '<policy.constraintName>',
      shows: [SHOW_TEMPLATE, SHOW_CONSTRAINTS].map((argv) => ({ argv })),
      until: [
        { argv: SHOW_TEMPLATE, expect: 'nonEmpty' },
        { argv: ACTIONS, expect: { contains: wanted } },
      ],
    },
  );
}

/** Until no Ratify constraint template is left in the cluster (the add-on removes it a sync after the assignment). */
export async function waitForTemplateGone(ctx: Ctx, what: string): Promise<void> {
  await ctx.kube.waitFor(
    what,
    CONSTRAINT_TEMPLATES,
    { fieldSelector: 'metadata.name=ratifyverification' },
    (t) => (t && t.length > 0 ? undefined : true),
    {
      timeoutMs: 30 * 60_000,
      intervalMs: 10_000,
      note: SYNC_NOTE,
      planned: true,
      shows: SHOW_TEMPLATE,
      until: [{ argv: SHOW_TEMPLATE, expect: 'empty' }],
    },
  );
}

/** Until the Ratify constraints have left the cluster. */
export async function waitForConstraintsGone(ctx: Ctx): Promise<void> {
  await ctx.kube.waitFor(
    'the Ratify constraint to leave the cluster',
    RATIFY_CONSTRAINTS,
    {},
    (c) => (c && c.length > 0 ? undefined : true),
    {
      timeoutMs: 30 * 60_000,
      intervalMs: 10_000,
      note: SYNC_NOTE,
      planned: true,
      shows: SHOW_CONSTRAINTS,
      until: [{ argv: CONSTRAINT_NAME, expect: 'empty' }],
    },
  );
}
