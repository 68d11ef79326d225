import type { KubeObject } from '../../world/model.js';
import { objKey } from '../objects.js';
import { policyView } from '../policy.js';
import type { Env } from '../ratify.js';
import { ApiError, badRequest, notFound } from './status.js';

/**
 * `GET .../pods/<name>/log`: what the pod's container printed. The simulated workloads that log
 * (Ratify's verdicts, the policy add-on's sync problems) write to a per-workload log that every
 * replica of it shows.
 */
function source(pod: KubeObject): string {
  const ns = pod.metadata.namespace ?? 'default';
  const owner = pod.sandbox?.owner ?? '';
  if (owner.startsWith('deployment/')) return `${ns}/${owner.slice('deployment/'.length)}`;
  if (owner === 'aks/image-integrity' || owner.startsWith('helm/')) return `${ns}/ratify`;
  const rs = pod.metadata.ownerReferences?.find((r) => r.kind === 'ReplicaSet');
  if (rs) return `${ns}/${String(rs.name).replace(/-[0-9a-f]{10}$/, '')}`;
  return `${ns}/${pod.metadata.name}`;
}

export function podLog(e: Env, ns: string, name: string, query: URLSearchParams): string {
  const pod = e.kube.objects[objKey('Pod', ns, name)];
  if (!pod) throw notFound('pods', '', name);
  const containers = ((pod.spec?.containers as { name?: string }[] | undefined) ?? []).map((c) => String(c.name));
  const container = query.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const waiting = pod.sandbox?.reason ?? ((pod.sandbox?.readyAt ?? 0) > e.now ? 'ContainerCreating' : undefined);
  if (waiting) {
    const why =
      waiting === 'ImagePullBackOff'
        ? 'trying and failing to pull image'
        : waiting === 'ErrImagePull'
          ? "image can't be pulled"
          : 'ContainerCreating';
    throw new ApiError(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${why}`);
  }
  const src = source(pod);
  const lines: string[] = [];
  if (src === 'kube-system/azure-policy') {
    for (const p of policyView(e.world, e.cluster, e.now, e.latency).problems)
      lines.push(`{"level":"error","ts":"${new Date(e.now).toISOString()}","msg":"${p.replace(/"/g, '\\"')}"}`);
  }
  const since = Number(query.get('sinceSeconds') ?? 0);
  for (const l of e.kube.logs)
    if (l.source === src && (!since || l.at >= e.now - since * 1000))
      lines.push(query.get('timestamps') === 'true' ? `${new Date(l.at).toISOString()} ${l.text}` : l.text);
  const tail = query.get('tailLines');
  const shown = tail !== null && Number(tail) >= 0 ? lines.slice(lines.length - Math.min(lines.length, Number(tail))) : lines;
  let text = shown.map((l) => `${l}\n`).join('');
  const limit = Number(query.get('limitBytes') ?? 0);
  if (limit > 0) text = text.slice(0, limit);
  return text;
}
