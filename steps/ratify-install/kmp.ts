import type { StepContext } from '../../runner/step.js';
import { parseJson, prop, stringProp } from '../_shared/json.js';

type Ctx = Pick<StepContext, 'cmd' | 'clock' | 'log' | 'waitFor'>;

const KMP = ['keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv'] as const;
/** Failures that heal once RBAC or the federated credential has propagated. */
const permission = /\b403\b|Forbidden|AccessDenied|not authorized|does not have secrets get|AADSTS|No matching federated identity/i;

interface KmpStatus {
  readonly success: boolean;
  readonly error: string;
  readonly planned: boolean;
  readonly resource?: unknown;
}

export async function kmpStatus(ctx: Pick<StepContext, 'cmd'>): Promise<KmpStatus | undefined> {
  const got = await ctx.cmd.run(['kubectl', 'get', ...KMP, '-o', 'json'], { mutates: false, allowFailure: true });
  if (got.planned) return { success: true, error: '', planned: true };
  if (got.exitCode !== 0) return undefined;
  const kmp = parseJson<unknown>(got.stdout, 'kubectl get keymanagementprovider');
  const error = stringProp(kmp, 'status', 'brieferror') || stringProp(kmp, 'status', 'error') || '';
  return { success: prop(kmp, 'status', 'issuccess') === true, error, planned: false, resource: kmp };
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

/** Waits for the KMP to load the certificate, re-applying it while the failure is a permission that may since have propagated. */
export async function waitForKmp(ctx: Ctx): Promise<void> {
  let lastReapply = 0;
  await ctx.waitFor(
    'the Key Vault KMP (kmprovider-akv) to load the certificate',
    async () => {
      const status = await kmpStatus(ctx);
      if (!status) return undefined;
      if (status.success) return true;
      if (!permission.test(status.error)) throw new Error(`Ratify's key management provider failed: ${status.error}`);
      const now = ctx.clock.now().getTime();
      if (now - lastReapply >= 30_000) {
        ctx.log(`KMP failed on permissions (${status.error.slice(0, 120)}); re-applying it`);
        await reapply(ctx, status.resource);
        lastReapply = now;
      }
      return undefined;
    },
    {
      timeoutMs: 10 * 60_000,
      intervalMs: 5_000,
      note: 'role assignments and federated credentials can take minutes to propagate',
      until: [{ argv: ['kubectl', 'get', ...KMP, '-o', 'jsonpath={.status.issuccess}'], expect: { equals: 'true' } }],
    },
  );
}
