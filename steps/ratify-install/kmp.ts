import type { KubeObject, StepContext } from '../../runner/step.js';
import { prop, stringProp } from '../_shared/json.js';
import { KEY_MANAGEMENT_PROVIDERS } from '../_shared/kube.js';

type Ctx = Pick<StepContext, 'cmd' | 'clock' | 'log' | 'kube' | 'mode'>;

const KMP = ['keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv'] as const;
const SHOW_KMP = ['kubectl', 'get', ...KMP, '-o', 'json'];
/** Failures that heal once RBAC or the federated credential has propagated. */
const permission = /\b403\b|Forbidden|AccessDenied|not authorized|does not have secrets get|AADSTS|No matching federated identity/i;

interface KmpStatus {
  readonly success: boolean;
  readonly error: string;
  readonly planned: boolean;
  readonly resource?: unknown;
}

function statusOf(kmp: KubeObject | undefined): KmpStatus | undefined {
  if (!kmp) return undefined;
  const error = stringProp(kmp, 'status', 'brieferror') || stringProp(kmp, 'status', 'error') || '';
  return { success: prop(kmp, 'status', 'issuccess') === true, error, planned: false, resource: kmp };
}

const PLANNED: KmpStatus = { success: true, error: '', planned: true };

/** The key management provider's status, read through the cluster's API. */
export async function kmpStatus(ctx: Pick<StepContext, 'kube' | 'mode'>): Promise<KmpStatus | undefined> {
  const kmp = await ctx.kube.get(KEY_MANAGEMENT_PROVIDERS, KMP[1], undefined, { shows: SHOW_KMP });
  return ctx.mode === 'plan' ? PLANNED : statusOf(kmp);
}

/**
 * The KMP fetches the certificate once; a permission change "is external to ratify, you MUST
 * manually trigger a fetch ... by deleting and applying the CR again" (kmp-tsg.md).
 */
async function reapply(ctx: Ctx, resource: unknown): Promise<void> {
  const metadata = (prop(resource, 'metadata') ?? {}) as Record<string, unknown>;
  const clean = {
    apiVersion: prop(resource, 'apiVersion'),
    kind: prop(resource, 'kind'),
    metadata: { name: metadata.name, labels: metadata.labels, annotations: metadata.annotations },
    spec: prop(resource, 'spec'),
  };
  await ctx.cmd.run(['kubectl', 'delete', ...KMP, '--ignore-not-found'], { mutates: true });
  await ctx.cmd.run(['kubectl', 'apply', '-f', '-'], { mutates: true, stdin: JSON.stringify(clean) });
}

/**
 * Watches the KMP until it has loaded the certificate, re-applying it (at most every 30 s) while
 * the failure is a permission that may since have propagated; any other failure stops the step.
 */
export async function waitForKmp(ctx: Ctx): Promise<void> {
  const deadline = ctx.clock.now().getTime() + 10 * 60_000;
  let lastReapply = -Infinity;
  for (;;) {
    const status = await ctx.kube.waitFor(
      'the Key Vault KMP (kmprovider-akv) to load the certificate',
      KEY_MANAGEMENT_PROVIDERS,
      { fieldSelector: `metadata.name=${KMP[1]}` },
      (kmps) => {
        const s = statusOf(kmps?.[0]);
        if (!s || s.success || !permission.test(s.error)) return s;
        // A permission failure: worth another fetch once the last re-apply has had its time.
        return ctx.clock.now().getTime() - lastReapply >= 30_000 ? s : undefined;
      },
      {
        timeoutMs: Math.max(0, deadline - ctx.clock.now().getTime()),
        intervalMs: 5_000,
        note: 'role assignments and federated credentials can take minutes to propagate',
        planned: PLANNED,
        shows: SHOW_KMP,
        until: [{ argv: ['kubectl', 'get', ...KMP, '-o', 'jsonpath={.status.issuccess}'], expect: { equals: 'true' } }],
      },
    );
    if (status.success) return;
    if (!permission.test(status.error)) throw new Error(`Ratify's key management provider failed: ${status.error}`);
    ctx.log(`KMP failed on permissions (${status.error.slice(0, 120)}); re-applying it`);
    await reapply(ctx, status.resource);
    lastReapply = ctx.clock.now().getTime();
  }
}
