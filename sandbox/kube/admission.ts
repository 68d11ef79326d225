import { log } from './objects.js';
import { covers, policyView, type SyncedConstraint } from './policy.js';
import { verifyImage, type Env, type Verdict } from './ratify.js';

/**
 * Gatekeeper admission for a pod: for every synced deny constraint that
 * covers the namespace, Ratify's verdict for each image; a failure becomes
 * `[<constraint>] Subject failed verification: <image>` or, for errors reaching Ratify,
 * `[<constraint>] System error calling external data provider: <err>`.
 */
export type Admission = { allowed: true } | { allowed: false; message: string };

export function violationMessage(v: Exclude<Verdict, { ok: true }>): string {
  return v.system ? `System error calling external data provider: ${v.reason}` : v.reason;
}

/** `logged`: Ratify logs each admission request's verdict (an audit view re-reads them quietly). */
export function evaluatePod(
  e: Env,
  ns: string,
  images: readonly string[],
  constraints: readonly SyncedConstraint[],
  logged = true,
): { constraint: SyncedConstraint; message: string }[] {
  const out: { constraint: SyncedConstraint; message: string }[] = [];
  const verdicts = new Map<string, Verdict>();
  for (const c of constraints) {
    if (!covers(c, ns)) continue;
    for (const img of images) {
      let v = verdicts.get(img);
      if (!v) {
        v = verifyImage(e, img);
        verdicts.set(img, v);
        if (logged) {
          const at = new Date(e.now).toISOString();
          const text = v.ok
            ? `time="${at}" level=info msg="verification response for subject ${img}: isSuccess=true"`
            : `time="${at}" level=warning msg="verification response for subject ${img}: isSuccess=false, errorReason: ${v.log}"`;
          log(e.kube, e.now, 'gatekeeper-system/ratify', text);
        }
      }
      if (!v.ok) out.push({ constraint: c, message: violationMessage(v) });
    }
  }
  return out;
}

export function admitPod(e: Env, ns: string, images: readonly string[]): Admission {
  const view = policyView(e.world, e.cluster, e.now, e.latency);
  const deny = evaluatePod(
    e,
    ns,
    images,
    view.constraints.filter((c) => c.enforcementAction === 'deny'),
  );
  if (deny.length === 0) return { allowed: true };
  return {
    allowed: false,
    message: `admission webhook "validation.gatekeeper.sh" denied the request: ${deny.map((d) => `[${d.constraint.name}] ${d.message}`).join('\n')}`,
  };
}
