import { netIso } from '../../world/ids.js';
import type { Repository } from '../../world/model.js';
import { bool, str } from '../args.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { changeable, manifestView, requireRepo, resolveManifest, tagView } from './artifacts.js';
import { loginServerOf, parseImage, registryData, registryError, requireRegistry } from './lookup.js';

/** `az acr repository ...`: list, show (repository or image), show-tags, delete. */

const signatureCount = (repo: Repository): number => Object.values(repo.manifests).reduce((n, m) => n + m.signatures.length, 0);

/** `--image` or `--repository`, exactly one of them (acr repository show and delete). */
function imageOrRepository(a: Parameters<AzCommand['run']>[1]): { repoArg: string | undefined; image: string | undefined } {
  const repoArg = str(a, 'repository');
  const image = str(a, 'image');
  if ((repoArg === undefined) === (image === undefined))
    throw cliError('Usage error: You need to provide either --image IMAGE | --repository REPOSITORY, but not both');
  return { repoArg, image };
}

export const repositoryCommands: AzCommand[] = [
  {
    path: 'acr repository list',
    args: [{ names: '--name -n', required: true }, { names: '--top' }],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      return Object.keys(registryData(ctx.world, reg.name).repositories).sort();
    },
  },
  {
    path: 'acr repository show',
    args: [{ names: '--name -n', required: true }, { names: '--repository' }, { names: '--image -t' }],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      const data = registryData(ctx.world, reg.name);
      const { repoArg, image } = imageOrRepository(a);
      if (repoArg) {
        const repo = requireRepo(data, repoArg);
        return {
          changeableAttributes: { ...changeable, teleportEnabled: false },
          createdTime: netIso(repo.createdAt),
          imageName: repo.name,
          lastUpdateTime: netIso(repo.updatedAt),
          manifestCount: Object.keys(repo.manifests).length + signatureCount(repo),
          registry: loginServerOf(reg),
          tagCount: Object.keys(repo.tags).length,
        };
      }
      const ref = parseImage(image!, loginServerOf(reg));
      const repo = requireRepo(data, ref.repo);
      if (ref.digest) return manifestView(repo, resolveManifest(repo, ref));
      const tag = ref.tag ?? 'latest';
      if (!repo.tags[tag]) throw registryError('tag unknown');
      return tagView(repo, tag);
    },
  },
  {
    path: 'acr repository show-tags',
    args: [
      { names: '--name -n', required: true },
      { names: '--repository', required: true },
      { names: '--detail', kind: 'flag' },
      { names: '--orderby' },
      { names: '--top' },
    ],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      const repo = requireRepo(registryData(ctx.world, reg.name), str(a, 'repository')!);
      const tags = Object.keys(repo.tags).sort();
      return bool(a, 'detail') ? tags.map((t) => tagView(repo, t)) : tags;
    },
  },
  {
    path: 'acr repository delete',
    args: [{ names: '--name -n', required: true }, { names: '--repository' }, { names: '--image -t' }, { names: '--yes -y', kind: 'flag' }],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      const data = registryData(ctx.world, reg.name);
      const { repoArg, image } = imageOrRepository(a);
      if (!bool(a, 'yes')) throw cliError('Unable to prompt for confirmation as no tty available. Use --yes.');
      if (repoArg) {
        const repo = requireRepo(data, repoArg);
        const manifestsDeleted = Object.values(repo.manifests).flatMap((m) => [m.digest, ...m.signatures.map((s) => s.digest)]);
        const tagsDeleted = Object.keys(repo.tags);
        delete data.repositories[repoArg];
        ctx.markDirty();
        return { manifestsDeleted, tagsDeleted };
      }
      const ref = parseImage(image!, loginServerOf(reg));
      const repo = requireRepo(data, ref.repo);
      const m = resolveManifest(repo, ref);
      const tags = Object.entries(repo.tags)
        .filter(([, d]) => d === m.digest)
        .map(([t]) => t);
      ctx.warn(
        `This operation will delete the manifest '${m.digest}' and all the following images: ${tags.map((t) => `'${ref.repo}:${t}'`).join(', ')}`,
      );
      delete repo.manifests[m.digest];
      for (const t of tags) delete repo.tags[t];
      ctx.markDirty();
      return null;
    },
  },
];
