import type { StepContext } from '../../runner/step.js';
import { tsvLines } from '../_shared/tsv.js';

type Ctx = Pick<StepContext, 'cmd' | 'waitFor'>;

export const SYNC_NOTE = 'the Azure Policy add-on checks for assignment changes every 15 minutes';

/** Azure Policy turns Deny into enforcementAction deny, and Audit into dryrun. */
export const enforcementActionFor = (effect: string) => (effect === 'Deny' ? 'deny' : 'dryrun');

const ACTIONS = ['kubectl', 'get', 'ratifyverification', '-o', 'jsonpath={.items[*].spec.enforcementAction}'];

/** The first constraint's name: what the exported script records as policy.constraintName. */
export const CONSTRAINT_NAME = ['kubectl', 'get', 'ratifyverification', '-o', 'jsonpath={.items[0].metadata.name}'];

/** `azurepolicy-ratifyverification-<hash>` constraints in the cluster, with their enforcement action. */
export async function ratifyConstraints(ctx: Pick<StepContext, 'cmd'>): Promise<{ name: string; action: string }[] | 'planned'> {
  const listed = await ctx.cmd.run(
    ['kubectl', 'get', 'ratifyverification', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.enforcementAction}{"\\n"}{end}'],
    { mutates: false, allowFailure: true },
  );
  if (listed.planned) return 'planned';
  if (listed.exitCode !== 0) return [];
  return tsvLines(listed.stdout).map((line) => {
    const [name = '', action = ''] = line.split('\t');
    return { name, action: action || 'deny' };
  });
}

/** Polls (never a fixed sleep: docs/errata.md#policy-sync-wait) until the template and a constraint with the right action exist. */
export async function waitForConstraint(ctx: Ctx, effect: string): Promise<string> {
  const wanted = enforcementActionFor(effect);
  return ctx.waitFor(
    'the ratifyverification constraint template and its constraint',
    async () => {
      const template = await ctx.cmd.run(['kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name'], { mutates: false, allowFailure: true });
      if (template.planned) return '<policy.constraintName>';
      if (template.exitCode !== 0 || template.stdout.trim() === '') return undefined;
      const constraints = await ratifyConstraints(ctx);
      if (constraints === 'planned') return '<policy.constraintName>';
      return constraints.find((c) => c.name.startsWith('azurepolicy-ratifyverification') && c.action === wanted)?.name;
    },
    // The add-on syncs every 15 minutes: poll every 30 s, give up after 30 min (two syncs and then some).
    {
      timeoutMs: 30 * 60_000,
      intervalMs: 30_000,
      note: SYNC_NOTE,
      until: [
        { argv: ['kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name'], expect: 'nonEmpty' },
        { argv: ACTIONS, expect: { contains: wanted } },
      ],
    },
  );
}
