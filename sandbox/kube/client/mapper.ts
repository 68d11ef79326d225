import { AGGREGATED_DISCOVERY } from '../discovery-media.js';
import type { KubeClient } from './http.js';

/**
 * What kubectl's REST mapper does with discovery: turns `po`, `pods`, `deploy.apps`,
 * `keymanagementproviders.config.ratify.deislabs.io` or `all` into API resources, and an
 * object's apiVersion + kind into its URL.
 */
export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; singularName?: string; namespaced: boolean; kind: string; shortNames?: string[]; categories?: string[] }[];
}

interface GroupList {
  kind: 'APIGroupList';
  groups: {
    name: string;
    versions: { groupVersion: string; version: string }[];
    preferredVersion: { groupVersion: string; version: string };
  }[];
}

/** apidiscovery.k8s.io/v2's APIGroupDiscoveryList, as far as the mapper reads it. */
interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items: {
    metadata: { name?: string };
    versions: {
      version: string;
      resources: {
        resource: string;
        responseKind: { kind: string };
        scope: string;
        singularResource?: string;
        shortNames?: string[];
        categories?: string[];
      }[];
    }[];
  }[];
}

const fromAggregated = (g: AggregatedList['items'][number]): ApiResource[] =>
  g.versions.flatMap((v) =>
    v.resources.map((r) => ({
      group: g.metadata.name ?? '',
      version: v.version,
      kind: r.responseKind.kind,
      plural: r.resource,
      singular: r.singularResource || r.responseKind.kind.toLowerCase(),
      namespaced: r.scope === 'Namespaced',
      shortNames: r.shortNames ?? [],
      categories: r.categories ?? [],
    })),
  );

/**
 * Discovery answers kept per server and credential, like kubectl's discovery cache: a name the
 * cache does not know (a CRD installed since) refreshes it once.
 */
const CACHE_MS = 10 * 60_000;
const cache = new Map<string, { at: number; all: Promise<ApiResource[]> }>();

export class Mapper {
  private readonly client: KubeClient;
  private all: Promise<ApiResource[]> | undefined;
  private refreshed = false;

  /** `fresh`: ignore what an earlier call discovered (the caller just installed CRDs). */
  constructor(client: KubeClient, opts: { fresh?: boolean } = {}) {
    this.client = client;
    const hit = cache.get(client.identity);
    if (!opts.fresh && hit && Date.now() - hit.at < CACHE_MS) this.all = hit.all;
    else this.refreshed = true;
  }

  /** Discovers again when this call has only seen the cache (a type it looks for may be new). */
  private async retry<T>(find: () => Promise<T | undefined>): Promise<T | undefined> {
    const found = await find();
    if (found !== undefined || this.refreshed) return found;
    this.refreshed = true;
    this.all = undefined;
    return find();
  }

  /**
   * Every served resource, preferred versions first. Asks for aggregated discovery first, as
   * client-go does (two requests: `/api` and `/apis`), and reads the legacy documents (one more
   * request per group version) from a server that answers plain JSON.
   */
  resources(): Promise<ApiResource[]> {
    if (this.all) return this.all;
    const all = (async () => {
      const accept = `${AGGREGATED_DISCOVERY},application/json`;
      const [core, groups] = await Promise.all([
        this.client.json<AggregatedList | { kind: 'APIVersions' }>('GET', '/api', { accept }),
        this.client.json<AggregatedList | GroupList>('GET', '/apis', { accept }),
      ]);
      if (core.kind === 'APIGroupDiscoveryList' && groups.kind === 'APIGroupDiscoveryList')
        return [...core.items, ...groups.items].flatMap(fromAggregated);
      const legacy = groups.kind === 'APIGroupDiscoveryList' ? await this.client.json<GroupList>('GET', '/apis') : groups;
      const gvs = [
        'v1',
        ...legacy.groups.flatMap((g) => [
          g.preferredVersion.groupVersion,
          ...g.versions.map((v) => v.groupVersion).filter((v) => v !== g.preferredVersion.groupVersion),
        ]),
      ];
      const lists = await Promise.all(gvs.map((gv) => this.client.json<ResourceList>('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`)));
      const out: ApiResource[] = [];
      for (const list of lists) {
        const [group, version] = list.groupVersion.includes('/')
          ? (list.groupVersion.split('/') as [string, string])
          : ['', list.groupVersion];
        for (const r of list.resources) {
          if (r.name.includes('/')) continue;
          out.push({
            group,
            version,
            kind: r.kind,
            plural: r.name,
            singular: r.singularName || r.kind.toLowerCase(),
            namespaced: r.namespaced,
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
          });
        }
      }
      return out;
    })();
    this.all = all;
    cache.set(this.client.identity, { at: Date.now(), all });
    all.catch(() => cache.delete(this.client.identity));
    return all;
  }

  /** `pods`, `pod`, `po`, `Pod`, `deployments.apps`, `deploy.v1.apps`... (undefined: unknown). */
  resolve(name: string): Promise<ApiResource | undefined> {
    return this.retry(() => this.lookup(name));
  }

  private async lookup(name: string): Promise<ApiResource | undefined> {
    const all = await this.resources();
    const n = name.toLowerCase();
    const dot = n.indexOf('.');
    const head = dot >= 0 ? n.slice(0, dot) : n;
    const qual = dot >= 0 ? n.slice(dot + 1) : undefined;
    const names = (r: ApiResource): string[] => [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames];
    const candidates = all.filter((r) => {
      if (!names(r).includes(head)) return false;
      if (qual === undefined) return true;
      return qual === r.group || qual === `${r.version}.${r.group}` || (r.group === '' && qual === r.version);
    });
    if (candidates.length === 0 && qual !== undefined) {
      // A name whose dots belong to it (none here) or an unknown group: nothing matches.
      return undefined;
    }
    return candidates.find((r) => r.plural === head) ?? candidates[0];
  }

  async category(name: string): Promise<ApiResource[]> {
    const seen = new Set<string>();
    return (await this.resources()).filter((r) => {
      const k = `${r.group}/${r.plural}`;
      if (!r.categories.includes(name) || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  forKind(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    return this.retry(async () => (await this.resources()).find((r) => r.group === group && r.version === version && r.kind === kind));
  }
}

/** The URL of a resource's collection or object. */
export function resourcePath(r: ApiResource, namespace: string | undefined, name?: string, sub?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

/** How kubectl names a resource in its messages: `pod`, `deployment.apps`, `crd.group` -> kind.group. */
export const kindRef = (r: ApiResource): string => (r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase());
