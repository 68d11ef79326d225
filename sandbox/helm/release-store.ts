import { gunzipSync, gzipSync } from 'node:zlib';
import { ApiStatus, type KubeClient } from '../kube/client/http.js';
import type { HelmRelease } from '../world/model.js';
import { byteOrder } from '../../kernel/byte-order.js';

/**
 * Helm 3's release storage: one Secret per revision, `sh.helm.release.v1.<name>.v<revision>`,
 * type `helm.sh/release.v1`, labelled owner=helm, name, status, version; `data.release` holds
 * the base64 of base64(gzip(release JSON)). Kept in the cluster through its API, so kubectl sees
 * them as it does on AKS.
 */
export interface StoredRelease extends HelmRelease {
  /** The rendered manifests (what uninstall removes). */
  manifest: string;
}

interface SecretObj {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  data?: { release?: string };
}

const secretName = (name: string, revision: number): string => `sh.helm.release.v1.${name}.v${revision}`;

function decode(s: SecretObj): StoredRelease | undefined {
  try {
    const inner = Buffer.from(s.data?.release ?? '', 'base64').toString('utf8');
    return JSON.parse(gunzipSync(Buffer.from(inner, 'base64')).toString('utf8')) as StoredRelease;
  } catch {
    return undefined;
  }
}

function encode(r: StoredRelease): string {
  return Buffer.from(gzipSync(Buffer.from(JSON.stringify(r))).toString('base64')).toString('base64');
}

const secretsPath = (ns?: string): string => (ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets` : '/api/v1/secrets');

/** Every revision of the named release (or of all releases), newest last. */
export async function history(client: KubeClient, ns: string | undefined, name?: string): Promise<StoredRelease[]> {
  const sel = `owner=helm${name ? `,name=${name}` : ''}`;
  const list = await client.json<{ items: SecretObj[] }>('GET', secretsPath(ns), { query: { labelSelector: sel } });
  return list.items
    .map(decode)
    .filter((r): r is StoredRelease => r !== undefined)
    .sort((a, b) => byteOrder(a.name, b.name) || a.revision - b.revision);
}

export async function latest(client: KubeClient, ns: string, name: string): Promise<StoredRelease | undefined> {
  return (await history(client, ns, name)).at(-1);
}

export async function save(client: KubeClient, r: StoredRelease): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(r.name, r.revision),
      namespace: r.namespace,
      labels: { name: r.name, owner: 'helm', status: r.status, version: String(r.revision) },
    },
    type: 'helm.sh/release.v1',
    data: { release: encode(r) },
  };
  const path = `${secretsPath(r.namespace)}/${encodeURIComponent(body.metadata.name)}`;
  try {
    await client.json('PUT', path, { body: JSON.stringify(body) });
  } catch (e) {
    if (!(e instanceof ApiStatus) || e.code !== 404) throw e;
    await client.json('POST', secretsPath(r.namespace), { body: JSON.stringify(body) });
  }
}

export async function forget(client: KubeClient, r: StoredRelease): Promise<void> {
  for (const rev of await history(client, r.namespace, r.name)) {
    await client
      .json('DELETE', `${secretsPath(r.namespace)}/${encodeURIComponent(secretName(rev.name, rev.revision))}`)
      .catch(() => undefined);
  }
}
