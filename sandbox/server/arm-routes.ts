import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyJwt } from '../jwt.js';
import type { ArmResource, World } from '../world/model.js';
import { armView, getResource, getRg, rgOf, subOf } from '../world/resources.js';
import { unsupportedApiVersion, versionedView } from './api-versions.js';

/**
 * The ARM endpoint: GET by resource id, list by resource group or by tag,
 * with real ARM JSON shapes and error bodies, so @azure/arm-resources runs against it over
 * HTTPS exactly as against management.azure.com.
 */
interface ArmReply {
  status: number;
  body?: unknown;
}

const err = (status: number, code: string, message: string): ArmReply => ({ status, body: { error: { code, message } } });

function notFoundFor(world: World, id: string): ArmReply {
  const sub = subOf(id);
  const rg = rgOf(id);
  if (sub && !world.subscriptions[sub]) return err(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (sub && rg && !getRg(world, sub, rg)) return err(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  const name = id.split('/').pop() ?? '';
  if (/\/policyassignments\//i.test(id)) return err(404, 'PolicyAssignmentNotFound', `The policy assignment '${name}' is not found.`);
  if (/\/policydefinitions\//i.test(id)) return err(404, 'PolicyDefinitionNotFound', `The policy definition '${name}' could not be found.`);
  if (/\/roleassignments\//i.test(id)) return err(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
  const m = /\/providers\/(.+)$/i.exec(id);
  const typeAndName = m ? m[1]! : name;
  return err(
    404,
    'ResourceNotFound',
    `The Resource '${typeAndName}' under resource group '${rg ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** `tagName eq 'k' and tagValue eq 'v'`, `resourceType eq 'X'`, `name eq 'n'`. */
function parseFilter(filter: string | null): ((r: ArmResource) => boolean) | 'bad' {
  if (!filter) return () => true;
  const preds: ((r: ArmResource) => boolean)[] = [];
  let tagName: string | undefined;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(tagName|tagValue|resourceType|name|location)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!m) return 'bad';
    const field = m[1]!.toLowerCase();
    const value = m[2]!.replace(/''/g, "'");
    if (field === 'tagname') {
      tagName = value;
      preds.push((r) => Object.keys(r.tags ?? {}).some((k) => k.toLowerCase() === value.toLowerCase()));
    } else if (field === 'tagvalue') {
      const key = tagName;
      preds.push((r) =>
        Object.entries(r.tags ?? {}).some(([k, v]) => (key === undefined || k.toLowerCase() === key.toLowerCase()) && v === value),
      );
    } else if (field === 'resourcetype') preds.push((r) => r.type.toLowerCase() === value.toLowerCase());
    else if (field === 'name') preds.push((r) => r.name.toLowerCase() === value.toLowerCase());
    else preds.push((r) => (r.location ?? '').toLowerCase() === value.toLowerCase());
  }
  return (r) => preds.every((p) => p(r));
}

const genericView = (r: ArmResource): Record<string, unknown> => {
  const v: Record<string, unknown> = { id: r.id, name: r.name, type: r.type, location: r.location, tags: r.tags ?? {} };
  if (r.sku) v.sku = r.sku;
  if (r.identity) v.identity = r.identity;
  return v;
};

/** Top-level tracked resources inside resource groups (what `/resources` lists). */
const isTracked = (r: ArmResource): boolean =>
  /\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i.test(r.id) && !/\/microsoft\.authorization\//i.test(r.id);

/**
 * The resource type a path names, the way ARM looks up the provider's API versions:
 * `/subscriptions/s/resourceGroups/rg/providers/Ns/type/name/child/name` -> `ns/type/child`.
 */
export function typeOfPath(path: string): string {
  const p = path.toLowerCase();
  if (/^\/subscriptions(\/[^/]+)?$/.test(p)) return 'subscriptions';
  if (/^\/subscriptions\/[^/]+(\/resourcegroups\/[^/]+)?\/resources$/.test(p)) return 'microsoft.resources/resources';
  if (/^\/subscriptions\/[^/]+\/resourcegroups(\/[^/]+)?$/.test(p)) return 'microsoft.resources/resourcegroups';
  const at = p.lastIndexOf('/providers/');
  if (at < 0) return '';
  const [ns, ...rest] = p.slice(at + '/providers/'.length).split('/');
  const types = rest.filter((_, i) => i % 2 === 0);
  return [ns, ...types].join('/');
}

export function armRoute(world: World, method: string, rawUrl: string, auth: string | undefined, nowMs: number): ArmReply {
  // Not new URL(rawUrl, base): the SDK sends '//subscriptions/...', which URL would read as a host.
  const q = rawUrl.indexOf('?');
  const url = { pathname: q >= 0 ? rawUrl.slice(0, q) : rawUrl, searchParams: new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '') };
  const token = /^Bearer\s+(.+)$/i.exec(auth ?? '')?.[1];
  if (!token) return err(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
  if (!verifyJwt(token, world.tokenKey, nowMs)) return err(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion) {
    return err(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return err(
      405,
      'MethodNotAllowed',
      `The sandbox ARM endpoint is read-only: change the world through the fake tools (${method} ${url.pathname}).`,
    );
  }
  // The SDK joins endpoint and id as '//subscriptions/...': collapse repeated slashes.
  const path = decodeURIComponent(url.pathname)
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  const invalid = unsupportedApiVersion(typeOfPath(path), apiVersion);
  if (invalid) return err(400, invalid.code, invalid.message);
  const assignments = roleAssignmentsAt(world, path, url.searchParams.get('$filter'));
  if (assignments) return assignments;
  const filter = parseFilter(url.searchParams.get('$filter'));
  if (filter === 'bad')
    return err(400, 'InvalidFilterInQueryString', `Invalid $filter '${url.searchParams.get('$filter')}' specified in the query string.`);
  const all = Object.values(world.arm);

  if (/^\/subscriptions$/i.test(path)) {
    return {
      status: 200,
      body: {
        value: Object.values(world.subscriptions).map((s) => ({
          id: `/subscriptions/${s.id}`,
          subscriptionId: s.id,
          tenantId: world.tenant.id,
          displayName: s.name,
          state: 'Enabled',
        })),
      },
    };
  }
  let m = /^\/subscriptions\/([^/]+)$/i.exec(path);
  if (m) {
    const s = world.subscriptions[m[1]!];
    if (!s) return err(404, 'SubscriptionNotFound', `The subscription '${m[1]}' could not be found.`);
    return {
      status: 200,
      body: { id: `/subscriptions/${s.id}`, subscriptionId: s.id, tenantId: world.tenant.id, displayName: s.name, state: 'Enabled' },
    };
  }
  m = /^\/subscriptions\/([^/]+)\/providers\/([A-Za-z0-9]+\.[A-Za-z0-9.]+)$/i.exec(path);
  if (m && world.subscriptions[m[1]!]) {
    const state = world.providers[`${m[1]}/${m[2]}`.toLowerCase()] ?? 'NotRegistered';
    const id = `/subscriptions/${m[1]}/providers/${m[2]}`;
    const body = { id, namespace: m[2], registrationPolicy: 'RegistrationRequired', registrationState: state, resourceTypes: [] };
    return { status: 200, body };
  }
  m = /^\/subscriptions\/([^/]+)\/resourcegroups$/i.exec(path);
  if (m) {
    const sub = m[1]!.toLowerCase();
    const rgs = all.filter(
      (r) => r.type === 'Microsoft.Resources/resourceGroups' && r.id.toLowerCase().startsWith(`/subscriptions/${sub}/`) && filter(r),
    );
    return { status: 200, body: { value: rgs.map(armView) } };
  }
  m = /^\/subscriptions\/([^/]+)\/resources$/i.exec(path);
  if (m) {
    const sub = m[1]!.toLowerCase();
    return {
      status: 200,
      body: {
        value: all.filter((r) => isTracked(r) && r.id.toLowerCase().startsWith(`/subscriptions/${sub}/`) && filter(r)).map(genericView),
      },
    };
  }
  m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/resources$/i.exec(path);
  if (m) {
    if (!getRg(world, m[1]!, m[2]!)) return err(404, 'ResourceGroupNotFound', `Resource group '${m[2]}' could not be found.`);
    const prefix = `/subscriptions/${m[1]}/resourcegroups/${m[2]}/`.toLowerCase();
    return {
      status: 200,
      body: { value: all.filter((r) => isTracked(r) && r.id.toLowerCase().startsWith(prefix) && filter(r)).map(genericView) },
    };
  }
  m = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.KeyVault\/deletedVaults$/i.exec(path);
  if (m) {
    const sub = m[1]!;
    return {
      status: 200,
      body: {
        value: Object.values(world.deletedVaults)
          .filter((d) => d.subscriptionId === sub)
          .map((d) => deletedVaultView(d)),
      },
    };
  }
  m = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.KeyVault\/locations\/([^/]+)\/deletedVaults\/([^/]+)$/i.exec(path);
  if (m) {
    const d = world.deletedVaults[m[3]!.toLowerCase()];
    if (!d || d.subscriptionId !== m[1])
      return err(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.KeyVault/locations/${m[2]}/deletedVaults/${m[3]}' under resource group '' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    return { status: 200, body: deletedVaultView(d) };
  }
  // Child collections by id, e.g. .../userAssignedIdentities/x/federatedIdentityCredentials
  const res = getResource(world, path);
  if (res) return { status: 200, body: armView(versionedView(res, apiVersion)) };
  const children = all.filter(
    (r) => r.id.toLowerCase().startsWith(path.toLowerCase() + '/') && r.id.split('/').length === path.split('/').length + 1,
  );
  if (children.length > 0 && getResource(world, path.split('/').slice(0, -1).join('/'))) {
    return { status: 200, body: { value: children.map((c) => armView(versionedView(c, apiVersion))) } };
  }
  return notFoundFor(world, path);
}

/**
 * `{scope}/providers/Microsoft.Authorization/roleAssignments`: the assignments at the scope, above
 * it and below it, narrowed by `principalId eq '<id>'` or `assignedTo('<id>')`, like ARM's
 * "list for scope".
 */
function roleAssignmentsAt(world: World, path: string, filter: string | null): ArmReply | undefined {
  const m = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i.exec(path);
  if (!m) return undefined;
  const scope = (m[1] || '/').toLowerCase();
  // principalId eq: that principal's own; assignedTo(): also its groups' (Entra ID group membership).
  let principals: Set<string> | undefined;
  if (filter) {
    const f = /^\s*(?:principalId\s+eq\s+'([^']+)'|assignedTo\('([^']+)'\))\s*$/i.exec(filter);
    if (!f) return err(400, 'InvalidFilterInQueryString', `Invalid $filter '${filter}' specified in the query string.`);
    const id = (f[1] ?? f[2])!.toLowerCase();
    const who = id === world.user.objectId.toLowerCase() ? world.user : Object.values(world.principals).find((p) => p.objectId === id);
    principals = new Set([id, ...(f[2] ? (who?.groups ?? []).map((g) => g.toLowerCase()) : [])]);
  }
  const related = (s: string): boolean => s === scope || s.startsWith(`${scope}/`) || scope.startsWith(`${s}/`) || s === '/';
  const value = Object.values(world.arm).filter((r) => {
    if (r.type !== 'Microsoft.Authorization/roleAssignments') return false;
    const p = r.properties as { scope?: string; principalId?: string };
    return related(String(p.scope ?? '').toLowerCase()) && (!principals || principals.has(String(p.principalId ?? '').toLowerCase()));
  });
  return { status: 200, body: { value: value.map(armView) } };
}

function deletedVaultView(d: World['deletedVaults'][string]): Record<string, unknown> {
  return {
    id: `/subscriptions/${d.subscriptionId}/providers/Microsoft.KeyVault/locations/${d.location}/deletedVaults/${d.name}`,
    name: d.name,
    type: 'Microsoft.KeyVault/deletedVaults',
    properties: {
      vaultId: d.vaultId,
      location: d.location,
      deletionDate: new Date(d.deletedAt).toISOString(),
      scheduledPurgeDate: new Date(d.deletedAt + 90 * 86400_000).toISOString(),
      tags: d.tags,
      purgeProtectionEnabled: false,
    },
  };
}

export function sendArm(res: ServerResponse, reply: ArmReply, req: IncomingMessage): void {
  const body = reply.body === undefined || req.method === 'HEAD' ? '' : JSON.stringify(reply.body);
  res.writeHead(req.method === 'HEAD' && reply.status === 200 ? 204 : reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-correlation-request-id': crypto.randomUUID(),
    ...(reply.status >= 400 && reply.body ? { 'x-ms-failure-cause': 'gateway' } : {}),
  });
  res.end(body);
}
