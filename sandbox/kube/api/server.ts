import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpExchange, type ApiRequest, type ApiResponse } from './exchange.js';
import type { ArmResource, KubeData } from '../../world/model.js';
import { listByType } from '../../world/resources.js';
import { authenticateToken, callerMay, type KubeCaller } from '../auth.js';
import { clusterFqdn } from '../../world/cluster.js';
import { kubeOf } from '../objects.js';
import type { Env } from '../ratify.js';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3Document,
  openApiV3Root,
  version,
  wantsAggregated,
} from './discovery.js';
import { AGGREGATED_DISCOVERY } from '../discovery-media.js';
import {
  checkVerb,
  create,
  getList,
  getOne,
  patch,
  remove,
  removeCollection,
  update,
  type Reply,
  type ResourceRequest,
} from './handlers.js';
import { TOOL_CALL_HEADER, type CommitOptions, type KubeApiHost } from './host.js';
import { podLog } from './logs.js';
import { decodeProtobuf, isProtobuf } from './protobuf.js';
import { clusterTypesAt } from './view.js';
import { ApiError, badRequest, methodNotAllowed, pageNotFound, unauthorized } from './status.js';
import { watch } from './watch.js';

/**
 * Each simulated cluster's Kubernetes API, on one loopback HTTPS port at
 * `/clusters/<cluster fqdn>` (clients put the prefix before every path, as behind any API proxy).
 * Callers authenticate as AKS lets them: the static hex token `az aks get-credentials` hands out
 * (local accounts), or on an Entra ID cluster an Entra token for the AKS server application.
 */
export const clusterPath = (cluster: ArmResource): string => `/clusters/${clusterFqdn(cluster).toLowerCase()}`;

function callerOf(host: KubeApiHost, cluster: ArmResource, kube: KubeData, authorization: string | undefined): KubeCaller | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m ? authenticateToken(host.world, host.clock.now(), cluster, kube, m[1]!) : undefined;
}

/** `kubectl auth can-i`: the review with its answer for the caller (who is never stored). */
function accessReview(r: ResourceRequest, caller: KubeCaller): unknown {
  let doc: { spec?: { resourceAttributes?: { verb?: string }; nonResourceAttributes?: { verb?: string } } };
  try {
    doc = JSON.parse(r.body) as typeof doc;
  } catch {
    throw badRequest('the server rejected our request due to an error in our request');
  }
  const verb = doc.spec?.resourceAttributes?.verb ?? doc.spec?.nonResourceAttributes?.verb ?? '';
  const allowed = callerMay(caller, verb);
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: doc.spec ?? {},
    status: { allowed, ...(allowed ? { reason: 'cluster-admin' } : {}) },
  };
}

/** The request body as JSON/YAML text (protobuf bodies decoded), with its content type. */
async function bodyOf(req: ApiRequest): Promise<{ body: string; contentType: string }> {
  const raw = await req.body();
  const contentType = String(req.headers['content-type'] ?? 'application/json');
  if (isProtobuf(contentType)) return { body: JSON.stringify(decodeProtobuf(raw)), contentType: 'application/json' };
  return { body: raw.toString('utf8'), contentType };
}

function sendJson(res: ApiResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
  });
  res.end(text);
}

interface Route {
  group: string;
  version: string;
  rest: string[];
}

/** `/api/v1/...` or `/apis/<group>/<version>/...` -> the group version and what follows. */
function groupVersionOf(segs: string[]): Route | undefined {
  if (segs[0] === 'api' && segs[1]) return { group: '', version: segs[1], rest: segs.slice(2) };
  if (segs[0] === 'apis' && segs[1] && segs[2]) return { group: segs[1], version: segs[2], rest: segs.slice(3) };
  return undefined;
}

export function kubeApiHandler(host: KubeApiHost): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const { request, response } = httpExchange(req, res);
    serveExchange(host, request, response);
  };
}

/** Answers one exchange; a failure becomes the API's `Status` (or ends an answer already under way). */
export function serveExchange(host: KubeApiHost, req: ApiRequest, res: ApiResponse): void {
  void serve(host, req, res).catch((e: unknown) => {
    const status =
      e instanceof ApiError
        ? e.status
        : new ApiError(500, 'InternalError', `sandbox internal error: ${(e as Error).stack ?? String(e)}`).status;
    if (!res.headersSent) sendJson(res, status.code, status);
    else res.end();
  });
}

async function serve(host: KubeApiHost, req: ApiRequest, res: ApiResponse): Promise<void> {
  const url = new URL(req.url, 'https://127.0.0.1');
  const all = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (all[0] !== 'clusters' || !all[1]) throw pageNotFound();
  const fqdn = all[1].toLowerCase();
  const cluster = listByType(host.world, 'Microsoft.ContainerService/ManagedClusters').find((c) => clusterFqdn(c).toLowerCase() === fqdn);
  if (!cluster) throw pageNotFound();
  const kube = kubeOf(host.world, cluster.id);
  const caller = callerOf(host, cluster, kube, req.headers.authorization);
  if (!caller) throw unauthorized();
  // A request one of the owner's own tools makes within a tool call: the call makes it durable.
  const commitOptions: CommitOptions = req.headers[TOOL_CALL_HEADER] === '1' ? { durable: false } : {};
  await host.expire(commitOptions);
  const env = (): Env => ({
    world: host.world,
    cluster,
    kube: kubeOf(host.world, cluster.id),
    now: host.clock.now(),
    latency: host.latency,
  });
  const segs = all.slice(2);
  const method = req.method;
  const path = segs.join('/');
  if (['healthz', 'livez', 'readyz'].includes(path)) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (path === 'version') return sendJson(res, 200, version());
  const types = (): ReturnType<typeof clusterTypesAt> => clusterTypesAt(env(), host.revision);
  if ((path === 'api' || path === 'apis') && wantsAggregated(String(req.headers.accept ?? '')))
    return sendJson(res, 200, aggregatedDiscovery(types(), path === 'api'), AGGREGATED_DISCOVERY);
  if (path === 'api') return sendJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
  if (path === 'apis') return sendJson(res, 200, apiGroupList(types()));
  if (segs[0] === 'openapi') {
    if (segs[1] !== 'v3') throw pageNotFound();
    const doc = segs.length === 2 ? openApiV3Root(types()) : openApiV3Document(types(), segs.slice(2).join('/'));
    if (!doc) throw pageNotFound();
    return sendJson(res, 200, doc);
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    const g = apiGroup(types(), segs[1]!);
    if (!g) throw pageNotFound();
    return sendJson(res, 200, g);
  }
  const gv = groupVersionOf(segs);
  if (!gv) throw pageNotFound();
  const known = types();
  if (gv.rest.length === 0) {
    const list = apiResourceList(known, gv.group, gv.version);
    if (!list) throw pageNotFound();
    return sendJson(res, 200, list);
  }
  let rest = gv.rest;
  let namespace: string | undefined;
  const servedHere = known.filter((t) => t.group === gv.group && t.versions.includes(gv.version));
  if (rest[0] === 'namespaces' && rest.length >= 3 && servedHere.some((t) => t.namespaced && t.plural === rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = servedHere.find((t) => t.plural === rest[0]);
  if (!type || rest.length > 3) throw pageNotFound();
  if (type.namespaced && !namespace && rest.length > 1) throw pageNotFound();
  const r: ResourceRequest = {
    method,
    type,
    version: gv.version,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(rest[1] !== undefined ? { name: rest[1] } : {}),
    ...(rest[2] !== undefined ? { subresource: rest[2] } : {}),
    query: url.searchParams,
    accept: String(req.headers.accept ?? 'application/json'),
    ...(method === 'GET' || method === 'HEAD' ? { body: '', contentType: 'application/json' } : await bodyOf(req)),
  };
  checkVerb(r);
  if (type.kind === 'SelfSubjectAccessReview') return sendJson(res, 201, accessReview(r, caller));
  if (r.subresource === 'log') {
    const text = podLog(env(), namespace ?? 'default', r.name!, url.searchParams);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (method === 'GET' && !r.name && url.searchParams.get('watch') && url.searchParams.get('watch') !== 'false') {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    await watch(host, env, r, (ev) => res.write(JSON.stringify(ev) + '\n'), res.closed, commitOptions);
    res.end();
    return;
  }
  let reply: Reply;
  switch (method) {
    case 'GET':
      reply = r.name ? getOne(env(), r) : getList(env(), r);
      break;
    case 'POST':
      if (r.name) throw methodNotAllowed();
      reply = create(env(), r);
      break;
    case 'PUT':
      if (!r.name) throw methodNotAllowed();
      reply = update(env(), r);
      break;
    case 'PATCH':
      if (!r.name) throw methodNotAllowed();
      reply = patch(env(), r);
      break;
    case 'DELETE':
      reply = r.name ? remove(env(), r) : removeCollection(env(), r);
      break;
    default:
      throw methodNotAllowed();
  }
  if (method !== 'GET') await host.commit(commitOptions);
  sendJson(res, reply.status, reply.body);
}
