import { defineStep, type ArmResource, type StepContext, type TeardownContext } from '../runner/step.js';
import { az, subscriptionOf } from './_shared/az.js';
import { ensureKubeconfig } from './_shared/credentials.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { apiVersions, policyAssignmentId, policyDefinitionId, sameId } from './_shared/ids.js';
import { prop, sameJson, stringProp } from './_shared/json.js';
import { authorizationFailed, byoValidation, kubeloginDeviceCode, policySyncTimeout } from './_shared/known-failures.js';
import { assignmentParams, jsonFile, renderPolicyDefinition } from './_shared/render.js';
import { transientRetry } from './_shared/retry.js';
import { removeOne } from './_shared/teardown.js';
import { tsvValue } from './_shared/tsv.js';
import { CONSTRAINT_NAME, ratifyConstraints, waitForConstraint, waitForConstraintsGone } from './policy/constraint.js';
import { shellLine } from '../runner/shell-words.js';
import { armGuard } from './_shared/write-ahead.js';

type Ctx = StepContext<'subscriptionId' | 'policyName' | 'policyEffect' | 'demoNamespace'>;
const write = { mutates: true, retry: transientRetry } as const;

/** One ARM GET each, shown as the `show` that guards its create. */
function showDefinition(ctx: Ctx, sub: string): Promise<ArmResource | undefined> {
  const name = ctx.answers.policyName;
  return ctx.azure.getById(policyDefinitionId(sub, name), apiVersions.policyDefinition, {
    shows: [{ argv: az(sub, 'policy', 'definition', 'show', '--name', name, '-o', 'none'), probe: true }],
  });
}

function showAssignment(ctx: Ctx, sub: string, scope: string): Promise<ArmResource | undefined> {
  const name = ctx.answers.policyName;
  return ctx.azure.getById(policyAssignmentId(scope, name), apiVersions.policyAssignment, {
    shows: [{ argv: az(sub, 'policy', 'assignment', 'show', '--name', name, '--scope', scope, '-o', 'none'), probe: true }],
  });
}

/** The definition: created when missing, updated in place (a PUT) when our template changed. */
async function ensureDefinition(ctx: Ctx, sub: string): Promise<{ id: string; changed: boolean }> {
  const name = ctx.answers.policyName;
  const parts = await renderPolicyDefinition();
  const existing = await readFromCheck(ctx, 'definition', () => showDefinition(ctx, sub));
  if (
    existing &&
    sameJson(prop(existing.properties, 'policyRule'), parts.rules) &&
    sameJson(prop(existing.properties, 'parameters'), parts.params)
  ) {
    return { id: existing.id ?? policyDefinitionId(sub, name), changed: false };
  }
  const rules = await ctx.writeFile('policy/rules.json', jsonFile(parts.rules));
  const params = await ctx.writeFile('policy/params.json', jsonFile(parts.params));
  // A definition takes no tags: the run's mark is in the description. One that exists keeps its
  // own description, so an updated definition the user had is never taken for the run's.
  const description = existing
    ? stringProp(existing.properties, 'description')
    : `Written by ratify-runbook: denies (or audits) pods whose images Ratify cannot verify. ${ctx.runTag}`;
  const definition = { kind: 'policyDefinition', id: policyDefinitionId(sub, name), details: { subscription: sub, name } };
  if (!existing) await ctx.willCreate({ ...definition, guard: armGuard(definition.id, apiVersions.policyDefinition, 'description') });
  const created = await ctx.cmd.run(
    az(
      sub,
      'policy',
      'definition',
      'create',
      '--name',
      name,
      '--display-name',
      'Ratify: only images with a verified signature',
      ...(description ? ['--description', description] : []),
      '--rules',
      `@${rules}`,
      '--params',
      `@${params}`,
      '--mode',
      parts.mode,
      '--query',
      'id',
      '-o',
      'tsv',
    ),
    // No --metadata: current az takes one JSON/shorthand value there and refuses key=value words,
    // older az took only key=value words; no spelling suits both (and Learn passes none).
    {
      ...write,
      capture: 'definitionId',
      planStdout: policyDefinitionId(sub, name),
      guardedBy: az(sub, 'policy', 'definition', 'show', '--name', name, '-o', 'none'),
    },
  );
  const id = tsvValue(created.stdout);
  if (!existing) await ctx.created({ ...definition, id });
  return { id, changed: true };
}

/** The assignment at the cluster scope, confined to the demo namespace. To change one, Learn says: delete, then create. */
async function ensureAssignment(ctx: Ctx, sub: string, definition: { id: string; changed: boolean }): Promise<string> {
  const { policyName: name, policyEffect, demoNamespace } = ctx.answers;
  const scope = ctx.output('cluster-prereqs', 'aksId');
  const params = assignmentParams(policyEffect, demoNamespace);
  const existing = await readFromCheck(ctx, 'assignment', () => showAssignment(ctx, sub, scope));
  const current =
    existing &&
    !definition.changed &&
    sameJson(prop(existing.properties, 'parameters'), params) &&
    sameId(stringProp(existing.properties, 'policyDefinitionId'), definition.id);
  if (current) return existing.id ?? policyAssignmentId(scope, name);
  if (existing) await ctx.cmd.run(az(sub, 'policy', 'assignment', 'delete', '--name', name, '--scope', scope), write);
  const paramsPath = await ctx.writeFile('policy/assignment-params.json', jsonFile(params));
  // The run's mark goes in the description; a re-created assignment the user had keeps theirs.
  const description = existing ? stringProp(existing.properties, 'description') : ctx.runTag;
  const assignment = { kind: 'policyAssignment', id: policyAssignmentId(scope, name), details: { subscription: sub, name, scope } };
  if (!existing) await ctx.willCreate({ ...assignment, guard: armGuard(assignment.id, apiVersions.policyAssignment, 'description') });
  const created = await ctx.cmd.run(
    az(
      sub,
      'policy',
      'assignment',
      'create',
      '--name',
      name,
      '--display-name',
      `Ratify signed images (${ctx.runTag})`,
      ...(description ? ['--description', description] : []),
      '--policy',
      definition.id,
      '--scope',
      scope,
      '--params',
      `@${paramsPath}`,
      '--query',
      'id',
      '-o',
      'tsv',
    ),
    {
      ...write,
      capture: 'assignmentId',
      planStdout: policyAssignmentId(scope, name),
      guardedBy: az(sub, 'policy', 'assignment', 'show', '--name', name, '--scope', scope, '-o', 'none'),
    },
  );
  const id = tsvValue(created.stdout);
  if (!existing) await ctx.created({ ...assignment, id });
  return id;
}

async function teardown(ctx: TeardownContext): Promise<void> {
  const assignments = ctx.createdBefore.filter((r) => r.kind === 'policyAssignment');
  for (const assignment of assignments) await removeOne(ctx, assignment);
  if (assignments.length > 0) {
    await ensureKubeconfig(ctx);
    await waitForConstraintsGone(ctx);
  }
  for (const other of ctx.createdBefore.filter((r) => r.kind !== 'policyAssignment').reverse()) await removeOne(ctx, other);
}

export const policy = defineStep({
  id: 'policy',
  title: 'Assign the signed-images policy',
  explain: `
Blog step 9, corrected. The policy definition is **ours**, in \`templates/policy-definition.json\`:
Kubernetes data mode, parameters \`effect\`, \`excludedNamespaces\`, \`namespaces\`,
\`labelSelector\`, and a \`templateInfo\` URL on **notaryproject.github.io**, where Ratify's
constraint template lives today ([every v1 tag's copy](docs/errata.md#policy-template-url)
points at a dead host). It is assigned at the **cluster scope** with
\`namespaces: [<demoNamespace>]\`, so [only the demo namespace](docs/errata.md#policy-scope) is
gated, with your effect (Deny, or Audit to observe first). The add-on only checks for
assignment changes **every 15 minutes**: the step polls for the \`ratifyverification\`
constraint template and its \`azurepolicy-ratifyverification-*\` constraint (deadline 30
minutes) instead of the blog's [unspecified wait](docs/errata.md#policy-sync-wait).
`.trim(),
  needs: ['subscriptionId', 'policyName', 'policyEffect', 'demoNamespace'],
  after: ['preflight', 'cluster-prereqs'],
  produces: ['definitionId', 'assignmentId', 'constraintName'],
  async check(ctx) {
    const sub = subscriptionOf(ctx);
    const scope = ctx.output('cluster-prereqs', 'aksId');
    const [definition, assignment] = await Promise.all([
      readForRun(ctx, 'definition', () => showDefinition(ctx, sub)),
      readForRun(ctx, 'assignment', () => showAssignment(ctx, sub, scope)),
    ]);
    const parts = await renderPolicyDefinition();
    if (!definition?.id || !assignment?.id || !sameJson(prop(definition.properties, 'policyRule'), parts.rules)) return undefined;
    if (!sameJson(prop(assignment.properties, 'parameters'), assignmentParams(ctx.answers.policyEffect, ctx.answers.demoNamespace)))
      return undefined;
    const constraints = await ratifyConstraints(ctx);
    const wanted = ctx.answers.policyEffect === 'Deny' ? 'deny' : 'dryrun';
    const constraint = constraints === 'planned' ? undefined : constraints.find((c) => c.action === wanted);
    return constraint ? { definitionId: definition.id, assignmentId: assignment.id, constraintName: constraint.name } : undefined;
  },
  async run(ctx) {
    const sub = subscriptionOf(ctx);
    const definition = await ensureDefinition(ctx, sub);
    const assignmentId = await ensureAssignment(ctx, sub, definition);
    const constraintName = await waitForConstraint(ctx, ctx.answers.policyEffect);
    return { definitionId: definition.id, assignmentId, constraintName };
  },
  teardown,
  knownFailures: [byoValidation, authorizationFailed, policySyncTimeout, kubeloginDeviceCode],
  shell: {
    constraintName: (v) => [`${v}="$(${shellLine(CONSTRAINT_NAME)})"`],
  },
});
