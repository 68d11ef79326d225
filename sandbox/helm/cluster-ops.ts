import { parseAllDocuments } from 'yaml';
import { ApiStatus, type KubeClient } from '../kube/client/http.js';
import { Mapper, resourcePath } from '../kube/client/mapper.js';
import { ToolError } from '../tool-result.js';
import type { Manifest } from './ratify-chart.js';

/** helm's object operations through the cluster's API, shared by install/upgrade and uninstall. */

export interface ClusterOps {
  mapper: Mapper;
  client: KubeClient;
  /** What this call created (an atomic install removes exactly these on failure). */
  created: Manifest[];
}

export async function pathOf(ops: ClusterOps, o: Manifest, name = true): Promise<string> {
  const r = await ops.mapper.forKind(o.apiVersion, o.kind);
  if (!r)
    throw new ToolError(
      `Error: unable to build kubernetes objects from release manifest: resource mapping not found for name: "${o.metadata.name}" namespace: "${o.metadata.namespace ?? ''}" from "": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first\n`,
      1,
    );
  return resourcePath(r, o.metadata.namespace, name ? o.metadata.name : undefined);
}

export async function existing(ops: ClusterOps, o: Manifest): Promise<Manifest | undefined> {
  try {
    return await ops.client.json<Manifest>('GET', await pathOf(ops, o));
  } catch (e) {
    if (e instanceof ApiStatus && e.code === 404) return undefined;
    throw e;
  }
}

/** Creates or replaces one object through the API ("failed to create resource: ..." on refusal). */
export async function put(ops: ClusterOps, o: Manifest): Promise<void> {
  const cur = await existing(ops, o);
  try {
    if (cur)
      await ops.client.json('PUT', await pathOf(ops, o), {
        body: JSON.stringify({
          ...o,
          metadata: { ...o.metadata, resourceVersion: (cur.metadata as { resourceVersion?: string }).resourceVersion },
        }),
      });
    else {
      await ops.client.json('POST', await pathOf(ops, o, false), { body: JSON.stringify(o) });
      ops.created.push(o);
    }
  } catch (e) {
    if (e instanceof ApiStatus) throw new InstallProblem(`failed to ${cur ? 'update' : 'create'} resource: ${e.message}`);
    throw e;
  }
}

/**
 * Creates one object (a POST, as helm's KubeClient.Create). `keepExisting`: an object of that
 * name already there is left as it is (CRDs); otherwise it is the API's AlreadyExists refusal.
 */
export async function create(ops: ClusterOps, o: Manifest, opts: { keepExisting?: boolean } = {}): Promise<void> {
  try {
    await ops.client.json('POST', await pathOf(ops, o, false), { body: JSON.stringify(o) });
    ops.created.push(o);
  } catch (e) {
    if (e instanceof ApiStatus && e.code === 409 && opts.keepExisting) return;
    if (e instanceof ApiStatus) throw new InstallProblem(`failed to create resource: ${e.message}`);
    throw e;
  }
}

export async function removeObject(ops: ClusterOps, o: Manifest): Promise<void> {
  try {
    await ops.client.json('DELETE', await pathOf(ops, o));
  } catch (e) {
    if (!(e instanceof ApiStatus) || e.code !== 404) throw e;
  }
}

/** The API refused an object: install/upgrade records a failed release (or rolls back) with this message. */
export class InstallProblem extends Error {}

/** The objects of a stored release's manifest (what an upgrade prunes and an uninstall removes). */
export function manifestObjects(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((o): o is Manifest => Boolean(o?.kind));
}
