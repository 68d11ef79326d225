import type { CommandResult } from '../../runner/command-types.js';
import type { StepContext } from '../../runner/step.js';
import { prop } from '../_shared/json.js';
import { PODS, RATIFY_CONSTRAINTS } from '../_shared/kube.js';

type Ctx = Pick<StepContext, 'cmd' | 'kube' | 'clock' | 'signal' | 'log' | 'writeFile' | 'runTag'>;

export const SIGNED_POD = 'demo-signed';
export const UNSIGNED_POD = 'demo-unsigned';

/** Ratify's verdict through Gatekeeper (docs/errata.md#denial-message), not a system error. */
export const VERIFICATION_DENIAL =
  /denied the request: \[(azurepolicy-)?ratify(verification|-constraint)[^\]]*\] (Subject failed verification|Time=.*failed to verify the artifact|Error validating one or more images)[^\n]*/;
const ANY_DENIAL = /admission webhook "validation\.gatekeeper\.sh" denied the request/;

export function runPod(ctx: Ctx, namespace: string, name: string, image: string): Promise<CommandResult> {
  return ctx.cmd.run(['kubectl', 'run', name, '-n', namespace, `--image=${image}`, '--restart=Never', `--labels=${ctx.runTag}`], {
    mutates: true,
    allowFailure: true,
  });
}

export function deletePods(ctx: Ctx, namespace: string): Promise<CommandResult> {
  return ctx.cmd.run(['kubectl', 'delete', 'pod', SIGNED_POD, UNSIGNED_POD, '-n', namespace, '--ignore-not-found'], {
    mutates: true,
    allowFailure: true,
  });
}

/**
 * The test pods an interrupted attempt left would make `kubectl run` fail with AlreadyExists:
 * they are looked for through the API, and deleted only when one is there.
 */
export async function removeLeftoverPods(ctx: Ctx, namespace: string): Promise<void> {
  const pods = await ctx.kube.list(PODS, { namespace }, { shows: ['kubectl', 'get', 'pods', '-n', namespace, '-o', 'name'] });
  // undefined: the pods could not be listed (or a plan, which reads nothing): delete to be sure.
  if (pods && !pods.some((pod) => pod.metadata.name === SIGNED_POD || pod.metadata.name === UNSIGNED_POD)) return;
  await deletePods(ctx, namespace);
}

/** The signed pod, retried a few times: Ratify's first verification pays for a token exchange (cold start). */
export async function admitSigned(ctx: Ctx, namespace: string, image: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await runPod(ctx, namespace, SIGNED_POD, image);
    if (result.exitCode === 0) return;
    if (!ANY_DENIAL.test(result.stderr) || attempt >= 3)
      throw new Error(`The signed image ${image} was not admitted: ${result.stderr.trim()}`);
    ctx.log(`signed pod denied (attempt ${attempt}, Ratify may be cold): retrying in 10s`);
    await ctx.clock.sleep(10_000, ctx.signal);
  }
}

/**
 * Admitted is not running: ImagePullBackOff is the kubelet failing to pull, not the policy
 * (docs/troubleshooting.md#image-pull-backoff).
 */
export async function waitRunning(ctx: Ctx, namespace: string): Promise<void> {
  const shows = [
    'kubectl',
    'get',
    'pod',
    SIGNED_POD,
    '-n',
    namespace,
    '-o',
    'jsonpath={.status.phase}{"\\t"}{.status.containerStatuses[0].state.waiting.reason}',
  ];
  const outcome = await ctx.kube.waitFor(
    `pod ${SIGNED_POD} to run`,
    PODS,
    { namespace, fieldSelector: `metadata.name=${SIGNED_POD}` },
    (pods) => {
      const status = pods?.[0]?.status as
        { phase?: string; containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } | undefined;
      const reason = status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '';
      if (/ImagePullBackOff|ErrImagePull/.test(reason)) return reason;
      return status?.phase === 'Running' || status?.phase === 'Succeeded' ? 'running' : undefined;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 3_000, planned: 'running', shows },
  );
  if (outcome !== 'running') {
    throw new Error(
      `Pod ${SIGNED_POD} was admitted by the policy but is in ${outcome}: the kubelet cannot pull the image (a pull problem, not a policy one).`,
    );
  }
}

/** Audit mode: the unsigned pod shows up among the constraint's violations at the next audit. */
export async function waitForViolation(ctx: Ctx, constraint: string, namespace: string): Promise<string> {
  return ctx.kube.waitFor(
    `${UNSIGNED_POD} to be listed as a violation of ${constraint}`,
    RATIFY_CONSTRAINTS,
    { fieldSelector: `metadata.name=${constraint}` },
    (found) => {
      const violations = (prop(found?.[0], 'status', 'violations') ?? []) as { name?: string; namespace?: string; message?: string }[];
      return violations.find((v) => v.name === UNSIGNED_POD && v.namespace === namespace)?.message;
    },
    {
      timeoutMs: 15 * 60_000,
      intervalMs: 10_000,
      note: 'Gatekeeper audits existing pods periodically',
      planned: '<verify.denialMessage>',
      shows: ['kubectl', 'get', 'ratifyverification', constraint, '-o', 'json'],
    },
  );
}

/** On failure: Ratify, Gatekeeper and azure-policy logs under logs/, linked from the notebook. */
export async function saveLogs(ctx: Ctx): Promise<void> {
  const sources: [string, string[]][] = [
    ['verify-ratify.log', ['-n', 'gatekeeper-system', '-l', 'app.kubernetes.io/name=ratify']],
    ['verify-gatekeeper.log', ['-n', 'gatekeeper-system', '-l', 'control-plane=controller-manager']],
    ['verify-azure-policy.log', ['-n', 'kube-system', '-l', 'app=azure-policy']],
  ];
  for (const [file, selector] of sources) {
    const logs = await ctx.cmd.run(['kubectl', 'logs', ...selector, '--tail=500', '--all-containers', '--prefix'], {
      mutates: false,
      allowFailure: true,
    });
    const path = await ctx.writeFile(`logs/${file}`, logs.stdout || logs.stderr);
    ctx.log(`saved ${file}: [${file}](${path})`);
  }
}
