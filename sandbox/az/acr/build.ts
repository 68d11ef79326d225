import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hex, newDigest, pyIso } from '../../world/ids.js';
import type { ArmResource } from '../../world/model.js';
import { flatten } from '../../world/resources.js';
import { bool, list, str } from '../args.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { loginServerOf, parseImage, registryData, requireRegistry } from './lookup.js';

/** `az acr build`: a quick run that pushes each --image with a fresh digest, and its log stream or run record. */

export const buildCommands: AzCommand[] = [
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
