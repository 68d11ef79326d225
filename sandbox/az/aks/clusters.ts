import type { ArmResource } from '../../world/model.js';
import { createCluster } from '../../world/cluster.js';
import { deleteResource, getResource, listByType, resourceId } from '../../world/resources.js';
import { bool, list, str } from '../args.js';
import { parseTags, requireRg } from '../common.js';
import { cliError, noTtyCancelled } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { attachAcr, findAcrByNameOrId } from './acr-pull.js';
import { ADDON_KEYS, clusterView, previewApi, requireCluster } from './managed-cluster.js';

/** The cluster's own lifecycle: show, list, create, delete. */

export const clusterCommands: AzCommand[] = [
  {
    path: 'aks show',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
    ],
    run: (ctx, a) => clusterView(requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!), previewApi(ctx)),
  },
  {
    path: 'aks list',
    args: [{ names: '--resource-group -g' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      const inGroup = (r: ArmResource) => !rg || r.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`);
      const clusters = listByType(ctx.world, 'Microsoft.ContainerService/ManagedClusters', ctx.sub.id).filter(inGroup);
      return clusters.map((r) => clusterView(r, previewApi(ctx)));
    },
  },
  {
    path: 'aks create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--location -l' },
      { names: '--enable-oidc-issuer', kind: 'flag' },
      { names: '--enable-workload-identity', kind: 'flag' },
      { names: '--enable-addons -a' },
      { names: '--attach-acr' },
      { names: '--generate-ssh-keys', kind: 'flag' },
      { names: '--node-count -c' },
      { names: '--node-vm-size -s' },
      { names: '--kubernetes-version -k' },
      { names: '--tier' },
      { names: '--network-plugin' },
      { names: '--tags', kind: 'list' },
      { names: '--no-wait', kind: 'flag' },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const name = str(a, 'name')!;
      if (getResource(ctx.world, resourceId(ctx.sub.id, rg.name, 'Microsoft.ContainerService', 'managedClusters', name))) {
        throw cliError(
          `The cluster '${name}' under resource group '${rg.name}' already exists. Please use command 'az aks update' to update the existing cluster, or select a different cluster name to create a new cluster.`,
        );
      }
      if (bool(a, 'enableWorkloadIdentity') && !bool(a, 'enableOidcIssuer'))
        throw cliError('Enabling workload identity requires enabling OIDC issuer (--enable-oidc-issuer).');
      const addons = (str(a, 'enableAddons') ?? '').split(',').filter(Boolean);
      for (const ad of addons) if (!ADDON_KEYS[ad]) throw cliError(`Invalid addon name: ${ad}.`);
      const acr = str(a, 'attachAcr') ? findAcrByNameOrId(ctx, str(a, 'attachAcr')!) : undefined;
      await ctx.clock.sleep(ctx.latency.ms('aksUpdate'));
      const c = createCluster(
        ctx.world,
        {
          sub: ctx.sub.id,
          rg: rg.name,
          name,
          location: str(a, 'location') ?? rg.location ?? 'eastus',
          oidc: bool(a, 'enableOidcIssuer') ?? false,
          workloadIdentity: bool(a, 'enableWorkloadIdentity') ?? false,
          azurePolicy: addons.includes('azure-policy'),
          imageIntegrity: false,
          tags: parseTags(list(a, 'tags')),
        },
        ctx.now(),
      );
      if (acr) attachAcr(ctx, c, acr);
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks delete',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--yes -y', kind: 'flag' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      if (!bool(a, 'yes')) throw noTtyCancelled();
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      deleteResource(ctx.world, c.id);
      delete ctx.world.clusters[c.id.toLowerCase()];
      ctx.markDirty();
      return null;
    },
  },
];
