import type { ArmResource, Manifest, Repository } from '../../world/model.js';
import { bool, str } from '../args.js';
import type { AzCtx } from '../context.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { manifestView, requireRepo, resolveManifest, tagView } from './artifacts.js';
import { loginServerOf, parseImage, registryData, registryError, requireRegistry } from './lookup.js';

/** `az acr manifest ...`: show-metadata, list-metadata, list-referrers (Notary signatures), delete. */

/** Where a signature digest lives (signatures are manifests too). */
function findSignature(repo: Repository, digest: string): { subject: Manifest; index: number } | undefined {
  for (const m of Object.values(repo.manifests)) {
    const i = m.signatures.findIndex((s) => s.digest === digest);
    if (i >= 0) return { subject: m, index: i };
  }
  return undefined;
}

/** `-r acr -n app:v1` or the positional `acr1.azurecr.io/app:v1`. */
function manifestTarget(ctx: AzCtx, a: Record<string, unknown>): { reg: ArmResource; ref: ReturnType<typeof parseImage> } {
  const pos = typeof a.manifestId === 'string' ? a.manifestId : undefined;
  const regName = str(a as never, 'registry') ?? (pos ? pos.split('/')[0]!.replace(/\.azurecr\.io$/i, '') : undefined);
  const name = str(a as never, 'name') ?? (pos ? pos.split('/').slice(1).join('/') : undefined);
  if (!regName || !name) throw cliError('Invalid arguments: provide a fully qualified MANIFEST_ID, or --registry and --name.');
  const reg = requireRegistry(ctx, regName);
  return { reg, ref: parseImage(name, loginServerOf(reg)) };
}

export const manifestCommands: AzCommand[] = [
  {
    path: 'acr manifest show-metadata',
    args: [{ names: 'MANIFEST_ID', positional: true }, { names: '--registry -r' }, { names: '--name -n' }],
    run: (ctx, a) => {
      const { reg, ref } = manifestTarget(ctx, a);
      const repo = requireRepo(registryData(ctx.world, reg.name), ref.repo);
      if (ref.digest) return manifestView(repo, resolveManifest(repo, ref));
      const tag = ref.tag ?? 'latest';
      if (!repo.tags[tag]) throw registryError('tag unknown');
      return tagView(repo, tag);
    },
  },
  {
    path: 'acr manifest list-metadata',
    args: [{ names: 'REPO_ID', positional: true }, { names: '--registry -r' }, { names: '--name -n' }],
    run: (ctx, a) => {
      const pos = typeof a.repoId === 'string' ? a.repoId : undefined;
      const reg = requireRegistry(ctx, str(a, 'registry') ?? pos?.split('/')[0] ?? '');
      const repo = requireRepo(registryData(ctx.world, reg.name), str(a, 'name') ?? pos?.split('/').slice(1).join('/') ?? '');
      return Object.values(repo.manifests).map((m) => manifestView(repo, m));
    },
  },
  {
    path: 'acr manifest list-referrers',
    args: [
      { names: 'MANIFEST_ID', positional: true },
      { names: '--registry -r' },
      { names: '--name -n' },
      { names: '--artifact-type' },
      { names: '--recursive', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const { reg, ref } = manifestTarget(ctx, a);
      const repo = requireRepo(registryData(ctx.world, reg.name), ref.repo);
      const m = resolveManifest(repo, ref);
      const type = str(a, 'artifactType');
      return {
        manifests: m.signatures
          .filter(() => !type || type === 'application/vnd.cncf.notary.signature')
          .map((s) => ({
            annotations: {
              'io.cncf.notary.x509chain.thumbprint#S256': `["${s.certSha256}"]`,
              'org.opencontainers.image.created': new Date(s.signedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            },
            artifactType: 'application/vnd.cncf.notary.signature',
            digest: s.digest,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            size: 728,
          })),
        mediaType: 'application/vnd.oci.image.index.v1+json',
        schemaVersion: 2,
      };
    },
  },
  {
    path: 'acr manifest delete',
    args: [
      { names: 'MANIFEST_ID', positional: true },
      { names: '--registry -r' },
      { names: '--name -n' },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const { reg, ref } = manifestTarget(ctx, a);
      if (!bool(a, 'yes')) throw cliError('Unable to prompt for confirmation as no tty available. Use --yes.');
      const repo = requireRepo(registryData(ctx.world, reg.name), ref.repo);
      if (ref.digest) {
        const sig = findSignature(repo, ref.digest);
        if (sig) {
          sig.subject.signatures.splice(sig.index, 1);
          ctx.markDirty();
          return null;
        }
      }
      const m = resolveManifest(repo, ref);
      // Deleting a subject deletes its referrers (signatures) with it.
      delete repo.manifests[m.digest];
      for (const [t, d] of Object.entries(repo.tags)) if (d === m.digest) delete repo.tags[t];
      ctx.markDirty();
      return null;
    },
  },
];
