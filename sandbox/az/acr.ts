import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signJwt } from '../jwt.js';
import { ToolError } from '../tool-result.js';
import { hex, netIso, newDigest, pyIso } from '../world/ids.js';
import type { ArmResource, Manifest, RegistryData, Repository } from '../world/model.js';
import { flatten } from '../world/resources.js';
import { createRegistry, findRegistry } from '../world/seed.js';
import { bool, list, str } from './args.js';
import { parseTags, requireRg } from './common.js';
import type { AzCtx } from './context.js';
import { cliError } from './errors.js';
import type { AzCommand } from './registry.js';

/** ACR control and data plane, with az 2.x's output shapes. */

export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

function requireRegistry(ctx: AzCtx, name: string): ArmResource {
  const n = name.toLowerCase().replace(/\.azurecr\.io$/, '');
  if (n !== name.toLowerCase()) ctx.warn("The login server endpoint suffix '.azurecr.io' is automatically omitted.");
  const r = findRegistry(ctx.world, n);
  if (!r || !r.id.toLowerCase().startsWith(`/subscriptions/${ctx.sub.id}/`.toLowerCase())) {
    throw cliError(
      `The resource with name '${n}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${ctx.sub.name} (${ctx.sub.id})'.`,
    );
  }
  return r;
}

export const registryData = (world: AzCtx['world'], name: string): RegistryData =>
  (world.registries[name.toLowerCase()] ??= { repositories: {}, runCounter: 0 });

export const loginServerOf = (r: ArmResource): string => String(r.properties.loginServer);

/** ACR data-plane errors as az prints them: `Error: <message>. Correlation ID: <id>.`, exit 1. */
const registryError = (message: string): ToolError =>
  cliError(`Error: ${message}. Correlation ID: ${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}.`);

/** `app:v1`, `app@sha256:..`, `acr1.azurecr.io/app:v1` -> parts. */
export function parseImage(ref: string, loginServer?: string): { repo: string; tag?: string; digest?: string } {
  let r = ref;
  if (loginServer && r.toLowerCase().startsWith(loginServer.toLowerCase() + '/')) r = r.slice(loginServer.length + 1);
  const at = r.indexOf('@');
  if (at >= 0) return { repo: r.slice(0, at), digest: r.slice(at + 1) };
  const colon = r.lastIndexOf(':');
  if (colon > r.lastIndexOf('/')) return { repo: r.slice(0, colon), tag: r.slice(colon + 1) };
  return { repo: r };
}

const changeable = { deleteEnabled: true, listEnabled: true, readEnabled: true, writeEnabled: true };

function tagView(repo: Repository, tag: string): Record<string, unknown> {
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

function manifestView(repo: Repository, m: Manifest): Record<string, unknown> {
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

const signatureCount = (repo: Repository): number => Object.values(repo.manifests).reduce((n, m) => n + m.signatures.length, 0);

function requireRepo(data: RegistryData, repo: string): Repository {
  const r = data.repositories[repo];
  if (!r) throw registryError('repository name not known to registry');
  return r;
}

function resolveManifest(repo: Repository, ref: { tag?: string; digest?: string }): Manifest {
  const digest = ref.digest ?? (ref.tag !== undefined ? repo.tags[ref.tag] : undefined);
  const m = digest ? repo.manifests[digest] : undefined;
  if (!m) throw registryError('manifest unknown');
  return m;
}

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

export const acrCommands: AzCommand[] = [
  {
    path: 'acr show',
    args: [{ names: '--name -n', required: true }, { names: '--resource-group -g' }],
    run: (ctx, a) => flatten(requireRegistry(ctx, str(a, 'name')!)),
  },
  {
    path: 'acr list',
    args: [{ names: '--resource-group -g' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      return Object.values(ctx.world.arm)
        .filter(
          (r) =>
            r.type === 'Microsoft.ContainerRegistry/registries' &&
            r.id.toLowerCase().startsWith(`/subscriptions/${ctx.sub.id}/`.toLowerCase()) &&
            (!rg || r.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`)),
        )
        .map((r) => flatten(r));
    },
  },
  {
    path: 'acr create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--sku', required: true, choices: ['Basic', 'Standard', 'Premium'] },
      { names: '--location -l' },
      { names: '--tags', kind: 'list' },
      { names: '--admin-enabled', kind: 'bool' },
    ],
    run: async (ctx, a) => {
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const name = str(a, 'name')!;
      if (!/^[a-zA-Z0-9]{5,50}$/.test(name))
        throw cliError(`Registry names may contain only alpha numeric characters and must be between 5 and 50 characters`);
      const existing = findRegistry(ctx.world, name);
      if (existing && !existing.id.toLowerCase().includes(`/resourcegroups/${rg.name.toLowerCase()}/`)) {
        throw cliError(
          `The registry DNS name ${name.toLowerCase()}.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability`,
        );
      }
      await ctx.clock.sleep(ctx.latency.ms('armWrite'));
      const r =
        existing ??
        createRegistry(
          ctx.world,
          ctx.sub.id,
          rg.name,
          name,
          str(a, 'location') ?? rg.location ?? 'eastus',
          ctx.now(),
          parseTags(list(a, 'tags')),
          str(a, 'sku'),
        );
      ctx.markDirty();
      return flatten(r);
    },
  },
  {
    path: 'acr login',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--expose-token -t', kind: 'flag' },
      { names: '--username -u' },
      { names: '--password -p' },
      { names: '--suffix' },
    ],
    run: (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'name')!);
      const server = loginServerOf(reg);
      if (bool(a, 'exposeToken') && (str(a, 'username') || str(a, 'password')))
        throw cliError('`--expose-token` cannot be combined with `--username` or `--password`.');
      if (!bool(a, 'exposeToken')) {
        // No Docker daemon in the sandbox, as on most CI machines (docs/errata.md#registry-credentials).
        throw cliError(
          `2025-01-01 00:00:00.000000 An error occurred: DOCKER_COMMAND_ERROR\nPlease verify if Docker client is installed and running.\nYou may want to use 'az acr login -n ${reg.name} --expose-token' to get an access token, which does not require Docker to be installed.`,
        );
      }
      const token = signJwt(
        {
          aud: server,
          oid: ctx.caller.objectId,
          tid: ctx.world.tenant.id,
          exp: Math.floor(ctx.now() / 1000) + 3 * 3600,
          grant_type: 'refresh_token',
          permissions: { actions: ['read', 'write', 'delete'] },
          jti: hex(16),
        },
        ctx.world.tokenKey,
      );
      ctx.warn(
        'Note: The token in both the accessToken and refreshToken fields is an ACR Refresh Token, not an ACR Access Token. This ACR Refresh Token cannot be used directly to authenticate with registry APIs such as pushing/pulling images and listing repositories/tags. This ACR Refresh Token must be subsequently exchanged for an ACR Access.Please see https://aka.ms/acr/auth/oauth',
      );
      ctx.warn(
        `You can perform manual login using the provided refresh token below, for example: 'docker login loginServer -u ${ACR_TOKEN_USER} -p refreshToken'`,
      );
      return { accessToken: token, loginServer: server, refreshToken: token, username: ACR_TOKEN_USER };
    },
  },
  {
    path: 'acr build',
    args: [
      { names: 'SOURCE_LOCATION', positional: true, required: true },
      { names: '--registry -r', required: true },
      { names: '--image -t', kind: 'append' },
      { names: '--file -f' },
      { names: '--no-logs', kind: 'flag' },
      { names: '--no-wait', kind: 'flag' },
      { names: '--no-push', kind: 'flag' },
      { names: '--no-format', kind: 'flag' },
      { names: '--platform' },
      { names: '--build-arg', kind: 'append' },
      { names: '--secret-build-arg', kind: 'append' },
      { names: '--timeout' },
      { names: '--resource-group -g' },
      { names: '--agent-pool' },
    ],
    run: async (ctx, a) => {
      const reg = requireRegistry(ctx, str(a, 'registry')!);
      const server = loginServerOf(reg);
      const source = str(a, 'sourceLocation')!;
      const remote = /^(https?:\/\/|git@|oci:\/\/)/.test(source) || /\.git(#.*)?$/.test(source);
      if (!remote) {
        const dir = resolve(ctx.cwd, source);
        if (!existsSync(dir)) throw cliError('Source location should be a local directory path or remote URL.');
        const dockerfile = str(a, 'file') ?? 'Dockerfile';
        if (statSync(dir).isDirectory() && !existsSync(join(dir, dockerfile))) throw cliError(`Unable to find '${dockerfile}'.`);
      }
      const data = registryData(ctx.world, reg.name);
      data.runCounter += 1;
      const runId = 'ca' + data.runCounter.toString(36);
      const images = (list(a, 'image') ?? []).map((t) =>
        t.replace(/\{\{\.Run\.ID\}\}/g, runId).replace(/\{\{\.Run\.Registry\}\}/g, server),
      );
      if (images.length === 0) ctx.warn("'--image or -t' is not provided. Skipping image push after build.");
      if (!remote) ctx.warn('Packing source code into tar to upload...');
      if (!remote) ctx.warn(`Uploading archived source code from '/tmp/build_archive_${hex(16)}.tar.gz'...`);
      ctx.warn(`Sending context (${(1 + Math.random()).toFixed(3)} KiB) to registry: ${reg.name}...`);
      ctx.warn(`Queued a build with ID: ${runId}`);
      ctx.warn('Waiting for an agent...');
      const created = ctx.now();
      if (bool(a, 'noWait')) {
        return runView(reg, runId, 'Queued', created, created, null);
      }
      await ctx.clock.sleep(ctx.latency.ms('acrBuild'));
      const finished = ctx.now();
      // Every build produces a new digest: a rebuild needs a new signature
      // (docs/errata.md#image-rebuild-digest).
      const outputs: { digest: string; registry: string; repository: string; tag: string }[] = [];
      if (!bool(a, 'noPush')) {
        for (const img of images) {
          const ref = parseImage(img, server);
          if (ref.repo.includes('.') && ref.repo.split('/')[0]!.includes('.')) throw cliError('Run failed');
          const digest = newDigest();
          const repo = (data.repositories[ref.repo] ??= {
            name: ref.repo,
            createdAt: finished,
            updatedAt: finished,
            manifests: {},
            tags: {},
          });
          repo.manifests[digest] = { digest, createdAt: finished, size: 1000 + Math.floor(Math.random() * 2000), signatures: [], source };
          repo.tags[ref.tag ?? 'latest'] = digest;
          repo.updatedAt = finished;
          outputs.push({ digest, registry: server, repository: ref.repo, tag: ref.tag ?? 'latest' });
        }
      }
      ctx.markDirty();
      if (bool(a, 'noLogs')) return runView(reg, runId, 'Succeeded', created, finished, outputs);
      const ts = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/-/g, '/').slice(0, 19);
      let log = `${ts(created)} Downloading source code...\n${ts(created)} Using acb_vol_${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)} as the home volume\n${ts(created)} Setting up Docker configuration...\n${ts(created)} Successfully set up Docker configuration\n${ts(created)} Logging in to registry: ${server}\n${ts(created)} Successfully logged into ${server}\n${ts(created)} Executing step ID: build. Timeout(sec): 28800, Working directory: '', Network: ''\n${ts(created)} Scanning for dependencies...\n${ts(created)} Successfully scanned dependencies\n${ts(created)} Launching container with name: build\n`;
      for (const o of outputs) log += `Successfully tagged ${server}/${o.repository}:${o.tag}\n`;
      for (const o of outputs)
        log += `${ts(finished)} Pushing image: ${server}/${o.repository}:${o.tag}, attempt 1\n${o.tag}: digest: ${o.digest} size: 1571\n`;
      log += `${ts(finished)} Successfully pushed image: ${outputs.map((o) => `${server}/${o.repository}:${o.tag}`).join(', ')}\n${ts(finished)} Step ID: build marked as successful (elapsed time in seconds: ${Math.max(1, Math.round((finished - created) / 1000))})\n${ts(finished)} The following dependencies were found:\n`;
      for (const o of outputs)
        log += `${ts(finished)}\n- image:\n    registry: ${server}\n    repository: ${o.repository}\n    tag: ${o.tag}\n    digest: ${o.digest}\n  runtime-dependency:\n    registry: mcr.microsoft.com\n    repository: azurelinux/base/core\n    tag: "3.0"\n    digest: sha256:${hex(32)}\n  git: {}\n`;
      log += `\nRun ID: ${runId} was successful after ${Math.max(1, Math.round((finished - created) / 1000))}s\n`;
      ctx.stdoutRaw(log);
      return null;
    },
  },
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
      const repoArg = str(a, 'repository');
      const image = str(a, 'image');
      if ((repoArg === undefined) === (image === undefined))
        throw cliError('Usage error: You need to provide either --image IMAGE | --repository REPOSITORY, but not both');
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
      const repoArg = str(a, 'repository');
      const image = str(a, 'image');
      if ((repoArg === undefined) === (image === undefined))
        throw cliError('Usage error: You need to provide either --image IMAGE | --repository REPOSITORY, but not both');
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

function runView(
  reg: ArmResource,
  runId: string,
  status: string,
  created: number,
  finished: number,
  outputs: unknown[] | null,
): Record<string, unknown> {
  return {
    agentConfiguration: { cpu: 2 },
    agentPoolName: null,
    createTime: pyIso(created),
    customRegistries: null,
    finishTime: status === 'Queued' ? null : pyIso(finished),
    id: `${reg.id}/runs/${runId}`,
    imageUpdateTrigger: null,
    isArchiveEnabled: false,
    lastUpdatedTime: pyIso(finished),
    logArtifact: null,
    name: runId,
    outputImages: outputs,
    platform: { architecture: 'amd64', os: 'Linux', variant: null },
    provisioningState: 'Succeeded',
    resourceGroup: flatten(reg).resourceGroup,
    runErrorMessage: null,
    runId,
    runType: 'QuickBuild',
    sourceRegistryAuth: null,
    sourceTrigger: null,
    startTime: status === 'Queued' ? null : pyIso(created),
    status,
    systemData: null,
    task: null,
    timerTrigger: null,
    type: 'Microsoft.ContainerRegistry/registries/runs',
    updateTriggerToken: null,
  };
}
