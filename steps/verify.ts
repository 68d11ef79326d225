import { defineStep, type StepContext } from '../runner/step.js';
import {
  externalDataTimeout,
  imagePull,
  kubeloginDeviceCode,
  missingKmp,
  noSignatureFound,
  noTrustPolicy,
  unsignedAdmitted,
  untrustedSigner,
} from './_shared/known-failures.js';
import { NAMESPACES } from './_shared/kube.js';
import { renderNamespace } from './_shared/render.js';
import { removeCreated } from './_shared/teardown.js';
import { readGuard } from './_shared/write-ahead.js';
import {
  admitSigned,
  deletePods,
  removeLeftoverPods,
  runPod,
  saveLogs,
  SIGNED_POD,
  UNSIGNED_POD,
  VERIFICATION_DENIAL,
  waitForViolation,
  waitRunning,
} from './verify/pods.js';
import type { ShellTest } from '../runner/command-types.js';

type Ctx = StepContext<'demoNamespace' | 'policyEffect'>;

/** Resolves true when it created the namespace (so it holds nothing yet). */
async function ensureNamespace(ctx: Ctx): Promise<boolean> {
  const ns = ctx.answers.demoNamespace;
  const show = ['kubectl', 'get', 'namespace', ns, '-o', 'name'];
  const found = await ctx.kube.get(NAMESPACES, ns, undefined, { shows: [{ argv: show, probe: true }] });
  if (found) return false;
  const namespace = { kind: 'namespace', id: `namespace/${ns}`, details: { name: ns } };
  // Found after a crash by the run's label.
  const labelled = ['kubectl', 'get', 'namespaces', '-l', ctx.runTag, '-o', 'name'];
  await ctx.willCreate({ ...namespace, guard: readGuard(labelled, `namespace/${ns}`) });
  await ctx.cmd.run(['kubectl', 'apply', '-f', '-'], { mutates: true, stdin: await renderNamespace(ns, ctx.runTag), guardedBy: show });
  await ctx.created(namespace);
  return true;
}

/**
 * The script's proof, repeatable without changing anything: the same admission decisions through
 * server-side dry runs (Gatekeeper's webhook judges dry-run requests too), retried while Ratify warms up.
 */
async function scriptVerify(ctx: Ctx): Promise<void> {
  const ns = ctx.answers.demoNamespace;
  await ensureNamespace(ctx);
  const admission = (name: string, image: string) => [
    'kubectl',
    'run',
    name,
    '-n',
    ns,
    `--image=${image}`,
    '--restart=Never',
    '--dry-run=server',
  ];
  const check = async (what: string, argv: string[], until: ShellTest) =>
    ctx.waitFor(what, async () => ((await ctx.cmd.run(argv, { mutates: false, allowFailure: true })).planned ? true : undefined), {
      timeoutMs: 2 * 60_000,
      intervalMs: 10_000,
      until: [until],
    });
  const signed = admission(SIGNED_POD, ctx.output('build-and-sign', 'signedRef'));
  await check('the signed image to be admitted', signed, { argv: signed, expect: 'succeeds' });
  const unsigned = admission(UNSIGNED_POD, ctx.output('build-and-sign', 'unsignedRef'));
  if (ctx.answers.policyEffect === 'Deny') {
    const denied: ShellTest = { argv: unsigned, expect: { failsWith: 'Subject failed verification' } };
    await check("the unsigned image to be denied with Ratify's verdict", unsigned, denied);
  } else {
    // Audit admits it; Gatekeeper lists violations of pods that exist, which a dry run does not create.
    await check('the unsigned image to be admitted (Audit)', unsigned, { argv: unsigned, expect: 'succeeds' });
  }
}

/** Deny: the unsigned pod must be refused with Ratify's message. Audit: admitted, then reported. */
async function checkUnsigned(ctx: Ctx, image: string): Promise<{ unsignedDenied: string; denialMessage: string }> {
  const ns = ctx.answers.demoNamespace;
  const result = await runPod(ctx, ns, UNSIGNED_POD, image);
  if (ctx.answers.policyEffect === 'Deny') {
    if (result.exitCode === 0 && !result.planned)
      throw new Error(`The unsigned image was admitted: ${image} is running in ${ns} although the policy effect is Deny.`);
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
    // A namespace made just now holds no pods; one that was there may hold an earlier attempt's.
    if (!(await ensureNamespace(ctx))) await removeLeftoverPods(ctx, ns);
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
  script: scriptVerify,
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
  knownFailures: [
    kubeloginDeviceCode,
    imagePull,
    unsignedAdmitted,
    noSignatureFound,
    untrustedSigner,
    noTrustPolicy,
    missingKmp,
    externalDataTimeout,
  ],
});
