import { defineStep, type StepContext } from '../runner/step.js';
import { accessPolicyOf, assignedRoles, grantAccessPolicy, grantRole, missingPermissions, type Permissions } from './_shared/access.js';
import { subscriptionOf } from './_shared/az.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { authorizationFailed, setPolicyOnRbacVault } from './_shared/known-failures.js';
import { removeCreated } from './_shared/teardown.js';
import { allSettled } from './_shared/all-settled.js';

type Ctx = StepContext<'subscriptionId' | 'resourceGroup' | 'keyVaultName' | 'keyVaultAuth'>;

/** Create and read the certificate, and sign with its key (Learn sign-build-push, "Use Azure RBAC"). */
export const SIGNER_ROLES = ['Key Vault Certificates Officer', 'Key Vault Crypto User'] as const;
/** The legacy equivalent (blog step 4). */
export const SIGNER_PERMISSIONS: Permissions = { certificates: ['create', 'get'], keys: ['sign'] };

function signer(ctx: Ctx) {
  return {
    sub: subscriptionOf(ctx),
    rbac: ctx.answers.keyVaultAuth !== 'access-policy',
    objectId: ctx.output('preflight', 'callerObjectId'),
    principalType: ctx.output('preflight', 'callerType'),
    scope: ctx.output('key-vault', 'keyVaultId'),
  };
}

const outputs = (rbac: boolean) => ({
  signerAccess: rbac ? `rbac: ${SIGNER_ROLES.join(', ')}` : 'access-policy: certificates create get, keys sign',
});

export const signerAccess = defineStep({
  id: 'signer-access',
  title: 'Let the signer use the vault',
  explain: `
Blog step 4. Whoever runs the runbook creates the certificate and signs with its key, so
they need rights on the vault. On an **RBAC vault** (the default now) the blog's
\`az keyvault set-policy\` [fails](docs/errata.md#set-policy-on-rbac-vaults) with *Cannot set
policies to a vault with '--enable-rbac-authorization' specified*: the runbook assigns **Key
Vault Certificates Officer** and **Key Vault Crypto User** at the vault scope instead, with
\`--assignee-principal-type\`. On an **access-policy vault** it sets \`certificates create get\`
and \`keys sign\`, keeping whatever the caller already had. Existing grants are read first.
New role assignments can take minutes to apply: the certificate step retries 403s.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'keyVaultName', 'keyVaultAuth'],
  after: ['preflight', 'key-vault'],
  produces: ['signerAccess'],
  async check(ctx) {
    const s = signer(ctx);
    if (s.rbac) {
      const roles = await readForRun(ctx, 'roles', () => assignedRoles(ctx, s.sub, s.objectId, s.scope));
      return SIGNER_ROLES.every((role) => roles.has(role)) ? outputs(true) : undefined;
    }
    const current = await accessPolicyOf(ctx, s.sub, ctx.answers.keyVaultName, ctx.answers.resourceGroup, s.objectId);
    return missingPermissions(current, SIGNER_PERMISSIONS) ? undefined : outputs(false);
  },
  async run(ctx) {
    const s = signer(ctx);
    if (s.rbac) {
      const roles = await readFromCheck(ctx, 'roles', () => assignedRoles(ctx, s.sub, s.objectId, s.scope));
      // Two assignments, independent of each other: made together.
      await allSettled(
        SIGNER_ROLES.filter((r) => !roles.has(r)).map((role) =>
          grantRole(ctx, s.sub, { objectId: s.objectId, principalType: s.principalType, role, scope: s.scope }),
        ),
      );
    } else {
      await grantAccessPolicy(ctx, s.sub, ctx.answers.keyVaultName, ctx.answers.resourceGroup, s.objectId, SIGNER_PERMISSIONS);
    }
    return outputs(s.rbac);
  },
  teardown: (ctx) => removeCreated(ctx),
  knownFailures: [setPolicyOnRbacVault, authorizationFailed],
});
