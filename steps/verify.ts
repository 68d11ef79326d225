import { defineStep, type StepContext } from '../runner/step.js';
import {
  externalDataTimeout, imagePull, missingKmp, noSignatureFound, noTrustPolicy, unsignedAdmitted, untrustedSigner,
} from './_shared/known-failures.js';
import { renderNamespace } from './_shared/render.js';
import { removeCreated } from './_shared/teardown.js';
import { readGuard } from './_shared/write-ahead.js';
import { admitSigned, deletePods, runPod, saveLogs, UNSIGNED_POD, VERIFICATION_DENIAL, waitForViolation, waitRunning } from './verify/pods.js';

type Ctx = StepContext<'demoNamespace' | 'policyEffect'>;

async function ensureNamespace(ctx: Ctx): Promise<void> {
  const ns = ctx.answers.demoNamespace;
  const got = await ctx.cmd.run(['kubectl', 'get', 'namespace', ns, '-o', 'name'], { mutates: false, probe: true, allowFailure: true });
  if (got.exitCode === 0) return;
  const namespace = { kind: 'namespace', id: `namespace/${ns}`, details: { name: ns } };
  // Found after a crash by the run's label.
  const labelled = ['kubectl', 'get', 'namespaces', '-l', ctx.runTag, '-o', 'name'];
  await ctx.willCreate({ ...namespace, guard: readGuard(labelled, `namespace/${ns}`) });
  await ctx.cmd.run(['kubectl', 'apply', '-f', '-'], { mutates: true, stdin: await renderNamespace(ns, ctx.runTag) });
  await ctx.created(namespace);
}

/** Deny: the unsigned pod must be refused with Ratify's message. Audit: admitted, then reported. */
async function checkUnsigned(ctx: Ctx, image: string): Promise<{ unsignedDenied: string; denialMessage: string }> {
  const ns = ctx.answers.demoNamespace;
  const result = await runPod(ctx, ns, UNSIGNED_POD, image);
  if (ctx.answers.policyEffect === 'Deny') {
    if (result.exitCode === 0 && !result.planned) throw new Error(`The unsigned image was admitted: ${image} is running in ${ns} although the policy effect is Deny.`);
    const message = VERIFICATION_DENIAL.exec(result.stderr)?.[0] ?? (result.planned ? '<verify.denialMessage>' : undefined);
    if (!message) throw new Error(`The unsigned pod failed, but not with Ratify's verification message: ${result.stderr.trim()}`);
    return { unsignedDenied: 'true', denialMessage: message };
  }
  if (result.exitCode !== 0) throw new Error(`With effect Audit the unsigned pod should be admitted, but: ${result.stderr.trim()}`);
  const message = await waitForViolation(ctx, ctx.output('policy', 'constraintName'), ns);
  return { unsignedDenied: 'false', denialMessage: message };
}

export const verify = defineStep({
  id: 'verify',
  title: 'Prove it: signed runs, unsigned is stopped',
  explain: `
Blog step 10. In the demo namespace the step starts a pod from the **signed** image by digest
(retried a few times: Ratify's first verification is slow) and checks that it really runs,
since *ImagePullBackOff* would be a pull problem, not a policy one. Then a pod from the **unsigned**
image: with **Deny** it must be refused with [Ratify's message](docs/errata.md#denial-message)
through Gatekeeper (\`[azurepolicy-ratifyverification-...] Subject failed verification: ...\`); with
**Audit** it is admitted and must appear among the constraint's violations. The test pods are
removed afterwards. When anything fails, the Ratify, Gatekeeper and azure-policy logs are saved
under \`logs/\` and linked here.
`.trim(),
  needs: ['demoNamespace', 'policyEffect'],
  after: ['policy', 'ratify-install', 'build-and-sign'],
  produces: ['signedAdmitted', 'unsignedDenied', 'denialMessage'],
  // A test, not a resource: when not recorded as passed, it runs.
  check: async () => undefined,
  async run(ctx) {
    const ns = ctx.answers.demoNamespace;
    await ensureNamespace(ctx);
    await deletePods(ctx, ns);
    try {
      await admitSigned(ctx, ns, ctx.output('build-and-sign', 'signedRef'));
      await waitRunning(ctx, ns);
      const unsigned = await checkUnsigned(ctx, ctx.output('build-and-sign', 'unsignedRef'));
      return { signedAdmitted: 'true', ...unsigned };
    } catch (error) {
      await saveLogs(ctx);
      throw error;
    } finally {
      await deletePods(ctx, ns);
    }
  },
  teardown: (ctx) => removeCreated(ctx),
  payoff(outputOf) {
    if (outputOf('verify', 'signedAdmitted') !== 'true') return [];
    const message = outputOf('verify', 'denialMessage') ?? '';
    const unsigned = outputOf('build-and-sign', 'unsignedRef') ?? 'the unsigned image';
    return [
      `The signed image ran: ${outputOf('build-and-sign', 'signedRef') ?? 'the signed image'} was admitted and its pod reached Running.`,
      outputOf('verify', 'unsignedDenied') === 'true'
        ? `The unsigned image was denied: ${unsigned} was refused at admission with: ${message}`
        : `The unsigned image was admitted (policy effect Audit) and reported as a violation: ${unsigned}: ${message}`,
    ];
  },
  knownFailures: [imagePull, unsignedAdmitted, noSignatureFound, untrustedSigner, noTrustPolicy, missingKmp, externalDataTimeout],
});
