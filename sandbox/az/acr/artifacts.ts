import { netIso } from '../../world/ids.js';
import type { Manifest, RegistryData, Repository } from '../../world/model.js';
import { registryError } from './lookup.js';

/** Repositories, tags and manifests inside a registry: their lookups and the views `repository` and `manifest` print. */

export const changeable = { deleteEnabled: true, listEnabled: true, readEnabled: true, writeEnabled: true };

export function tagView(repo: Repository, tag: string): Record<string, unknown> {
  const d = repo.tags[tag]!;
  const m = repo.manifests[d];
  return {
    changeableAttributes: changeable,
    createdTime: netIso(m?.createdAt ?? 0),
    digest: d,
    lastUpdateTime: netIso(m?.createdAt ?? 0),
    name: tag,
    signed: false,
  };
}

export function manifestView(repo: Repository, m: Manifest): Record<string, unknown> {
  return {
    architecture: 'amd64',
    changeableAttributes: { ...changeable, quarantineState: 'Passed' },
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    createdTime: netIso(m.createdAt),
    digest: m.digest,
    imageSize: m.size,
    lastUpdateTime: netIso(m.createdAt),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    os: 'linux',
    tags: Object.entries(repo.tags)
      .filter(([, d]) => d === m.digest)
      .map(([t]) => t),
  };
}

export function requireRepo(data: RegistryData, repo: string): Repository {
  const r = data.repositories[repo];
  if (!r) throw registryError('repository name not known to registry');
  return r;
}

export function resolveManifest(repo: Repository, ref: { tag?: string; digest?: string }): Manifest {
  const digest = ref.digest ?? (ref.tag !== undefined ? repo.tags[ref.tag] : undefined);
  const m = digest ? repo.manifests[digest] : undefined;
  if (!m) throw registryError('manifest unknown');
  return m;
}
