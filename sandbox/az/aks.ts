import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  aadProfileOf,
  AKS_AAD_CLIENT_APP,
  AKS_AAD_SERVER_APP,
  createCluster,
  disableAzurePolicyAddon,
  disableImageIntegrity,
  enableAzurePolicyAddon,
  enableImageIntegrity,
} from '../world/cluster.js';
import { guid } from '../world/ids.js';
import { clusterPath } from '../kube/api/server.js';
import { clusterTokens } from '../kube/auth.js';
import { kubeOf } from '../kube/objects.js';
import type { ArmResource } from '../world/model.js';
import { rbacAllows, roleByName, roleDefinitionId } from '../world/rbac.js';
import { deleteResource, flatten, getResource, listByType, putResource, resourceId } from '../world/resources.js';
import { findRegistry, IMAGE_INTEGRITY_INITIATIVE } from '../world/seed.js';
import { bool, list, str } from './args.js';
import { stableView } from '../server/api-versions.js';
import { parseTags, requireRg } from './common.js';
import type { AzCtx } from './context.js';
import { armError, cliError, noTtyCancelled, resourceNotFound, usageError } from './errors.js';
import type { AzCommand } from './registry.js';

/** AKS, with az 2.x's output shapes. */

/**
 * The kubeconfig `get-credentials` hands out: the cluster's API server (the world's loopback
 * Kubernetes API), the world's CA, and the user: a local account's static hex bearer token, or
 * on an Entra ID cluster (without --admin) kubelogin as the credential plugin.
 */
type NamedEntry = { name: string; [k: string]: unknown };

type Kubeconfig = Record<string, unknown> & { clusters: NamedEntry[]; contexts: NamedEntry[]; users: NamedEntry[] };

function clusterKubeconfig(ctx: AzCtx, c: ArmResource, contextName: string, user: string, admin: boolean): Kubeconfig {
  const tokens = clusterTokens(kubeOf(ctx.world, c.id));
  const ca = readFileSync(join(ctx.worldDir, 'tls', 'ca.pem'));
  const aad = aadProfileOf(c);
  const server = `https://127.0.0.1:${ctx.world.kubeApiPort ?? 0}${clusterPath(c)}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: c.name, cluster: { 'certificate-authority-data': ca.toString('base64'), server } }],
    contexts: [{ name: contextName, context: { cluster: c.name, user } }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: user, user: aad && !admin ? entraIdUser(aad.tenantID) : { token: admin ? tokens.admin : tokens.user } }],
  };
}

/**
 * What `az aks show` prints. The core CLI calls a stable API version, where preview-only
 * properties (securityProfile.imageIntegrity) do not exist; the aks-preview extension, when
 * installed, switches the aks commands to its preview API version and they appear.
 */
export function clusterView(r: ArmResource, preview = true): Record<string, unknown> {
  const v = flatten(preview ? r : stableView(r));
  // The ARM field is issuerURL; the CLI prints the SDK attribute name issuerUrl.
  const oidc = v.oidcIssuerProfile as { enabled: boolean; issuerURL?: string } | undefined;
  if (oidc) v.oidcIssuerProfile = { enabled: oidc.enabled, issuerUrl: oidc.issuerURL ?? null };
  const addons = (v.addonProfiles ?? {}) as Record<string, unknown>;
  v.addonProfiles = Object.keys(addons).length ? addons : null;
  const sec = (v.securityProfile ?? {}) as Record<string, unknown>;
  v.securityProfile = { azureKeyVaultKms: null, defender: null, imageCleaner: null, ...sec };
  return v;
}

/** aks-preview installed: the aks commands call its preview API version. */
const previewApi = (ctx: AzCtx): boolean => Boolean(ctx.world.extensions['aks-preview']);

function requireCluster(ctx: AzCtx, rg: string, name: string): ArmResource {
  requireRg(ctx, rg);
  const r = getResource(ctx.world, resourceId(ctx.sub.id, rg, 'Microsoft.ContainerService', 'managedClusters', name));
  if (!r) throw resourceNotFound('Microsoft.ContainerService/managedClusters', name, rg);
  return r;
}

function findAcrByNameOrId(ctx: AzCtx, nameOrId: string): ArmResource {
  const r = nameOrId.startsWith('/') ? getResource(ctx.world, nameOrId) : findRegistry(ctx.world, nameOrId);
  if (!r) {
    const name = nameOrId.split('/').pop() ?? nameOrId;
    throw cliError(
      `The resource with name '${name}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${ctx.sub.name} (${ctx.sub.id})'.`,
    );
  }
  return r;
}

function kubeletOid(cluster: ArmResource): string {
  return String((cluster.properties.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId);
}

/** `--attach-acr` grants the kubelet identity AcrPull on the registry. */
export function attachAcr(ctx: AzCtx, cluster: ArmResource, acr: ArmResource): void {
  // az assigns AcrPull itself; without the right to it the command stops (acs custom.py _ensure_aks_acr_role_assignment).
  if (!rbacAllows(ctx.world, ctx.caller.objectId, 'authorization/write', acr.id, ctx.now(), ctx.latency.ms('rbacPropagation'))) {
    throw cliError('Could not create a role assignment for ACR. Are you an Owner on this subscription?');
  }
  const role = roleByName('AcrPull')!;
  const oid = kubeletOid(cluster);
  const exists = listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').some((ra) => {
    const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
    return p.principalId === oid && p.scope.toLowerCase() === acr.id.toLowerCase() && p.roleDefinitionId.endsWith(role.guid);
  });
  if (exists) return;
  const name = guid();
  putResource(ctx.world, {
    id: `${acr.id}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      principalId: oid,
      principalType: 'ServicePrincipal',
      roleDefinitionId: roleDefinitionId(ctx.sub.id, role),
      scope: acr.id,
      createdOn: new Date(ctx.now()).toISOString(),
    },
    meta: { createdAt: ctx.now() },
  });
}

function detachAcr(ctx: AzCtx, cluster: ArmResource, acr: ArmResource): void {
  const oid = kubeletOid(cluster);
  for (const ra of listByType(ctx.world, 'Microsoft.Authorization/roleAssignments')) {
    const p = ra.properties as { principalId: string; scope: string };
    if (p.principalId === oid && p.scope.toLowerCase() === acr.id.toLowerCase()) deleteResource(ctx.world, ra.id);
  }
}

/**
 * The `deploy-trustedimages` initiative is DeployIfNotExists: while it is assigned, the next
 * cluster update re-enables Image Integrity (docs/errata.md#image-integrity-order).
 */
function applyImageIntegrityDine(ctx: AzCtx, cluster: ArmResource): void {
  const covering = listByType(ctx.world, 'Microsoft.Authorization/policyAssignments').some((pa) => {
    const p = pa.properties as { policyDefinitionId?: string; scope?: string };
    return (
      (p.policyDefinitionId ?? '').toLowerCase().endsWith(IMAGE_INTEGRITY_INITIATIVE) &&
      cluster.id.toLowerCase().startsWith(String(p.scope).toLowerCase())
    );
  });
  const sec = cluster.properties.securityProfile as Record<string, unknown>;
  if (covering && !(sec.imageIntegrity as { enabled?: boolean } | undefined)?.enabled) {
    sec.imageIntegrity = { enabled: true };
    enableImageIntegrity(ctx.world, cluster.id, ctx.now());
  }
}

/**
 * The user AKS writes for an Entra ID cluster (kubelogin format, Kubernetes >= 1.24): kubelogin
 * in device-code mode with the AKS server and client applications. Observed kubeconfigs list the
 * args in this order; the install hint is AKS's.
 */
function entraIdUser(tenant: string): Record<string, unknown> {
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: [
        'get-token',
        '--environment',
        'AzurePublicCloud',
        '--server-id',
        AKS_AAD_SERVER_APP,
        '--client-id',
        AKS_AAD_CLIENT_APP,
        '--tenant-id',
        tenant,
        '--login',
        'devicecode',
      ],
      command: 'kubelogin',
      env: null,
      installHint:
        '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\n' +
        'To learn more, please go to https://aka.ms/aks/kubelogin\n',
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    },
  };
}

const ADDON_KEYS: Record<string, string> = {
  'azure-policy': 'azurepolicy',
  monitoring: 'omsagent',
  'azure-keyvault-secrets-provider': 'azureKeyvaultSecretsProvider',
};

export const aksCommands: AzCommand[] = [
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
    path: 'aks update',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--enable-oidc-issuer', kind: 'flag' },
      { names: '--enable-workload-identity', kind: 'flag' },
      { names: '--disable-workload-identity', kind: 'flag' },
      { names: '--attach-acr' },
      { names: '--detach-acr' },
      { names: '--enable-image-integrity', kind: 'flag', dest: 'enableImageIntegrity' },
      { names: '--disable-image-integrity', kind: 'flag', dest: 'disableImageIntegrity' },
      { names: '--tags', kind: 'list' },
      { names: '--no-wait', kind: 'flag' },
      { names: '--yes -y', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      // The image-integrity flags come from the aks-preview extension; without it
      // argparse does not know them.
      if (!ctx.world.extensions['aks-preview']) {
        const bad = ['enableImageIntegrity', 'disableImageIntegrity']
          .filter((k) => bool(a, k))
          .map((k) => (k === 'enableImageIntegrity' ? '--enable-image-integrity' : '--disable-image-integrity'));
        if (bad.length) throw usageError(`unrecognized arguments: ${bad.join(' ')}`);
      }
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const p = c.properties as Record<string, unknown> & {
        oidcIssuerProfile: { enabled: boolean; issuerURL?: string };
        securityProfile: Record<string, unknown>;
      };
      const any =
        ['enableOidcIssuer', 'enableWorkloadIdentity', 'disableWorkloadIdentity', 'enableImageIntegrity', 'disableImageIntegrity'].some(
          (k) => bool(a, k),
        ) ||
        str(a, 'attachAcr') ||
        str(a, 'detachAcr') ||
        list(a, 'tags');
      if (!any)
        throw cliError(
          'Please specify one or more of "--enable-oidc-issuer" or "--enable-workload-identity" or "--disable-workload-identity" or "--attach-acr" or "--detach-acr" or "--tags" or another update option.',
        );
      if (bool(a, 'enableWorkloadIdentity') && !p.oidcIssuerProfile.enabled && !bool(a, 'enableOidcIssuer')) {
        throw cliError('Enabling workload identity requires enabling OIDC issuer (--enable-oidc-issuer).');
      }
      const attach = str(a, 'attachAcr') ? findAcrByNameOrId(ctx, str(a, 'attachAcr')!) : undefined;
      const detach = str(a, 'detachAcr') ? findAcrByNameOrId(ctx, str(a, 'detachAcr')!) : undefined;
      await ctx.clock.sleep(ctx.latency.ms('aksUpdate'));
      if (bool(a, 'enableOidcIssuer') && !p.oidcIssuerProfile.enabled) {
        p.oidcIssuerProfile = {
          enabled: true,
          issuerURL: `https://${c.location}.oic.prod-aks.azure.com/${ctx.world.tenant.id}/${guid()}/`,
        };
      }
      if (bool(a, 'enableWorkloadIdentity')) p.securityProfile.workloadIdentity = { enabled: true };
      if (bool(a, 'disableWorkloadIdentity')) p.securityProfile.workloadIdentity = { enabled: false };
      if (bool(a, 'disableImageIntegrity')) {
        p.securityProfile.imageIntegrity = { enabled: false };
        disableImageIntegrity(ctx.world, c.id, ctx.now() + ctx.latency.ms('imageIntegrityRemoval'));
      }
      if (bool(a, 'enableImageIntegrity')) {
        p.securityProfile.imageIntegrity = { enabled: true };
        enableImageIntegrity(ctx.world, c.id, ctx.now());
      }
      if (attach) attachAcr(ctx, c, attach);
      if (detach) detachAcr(ctx, c, detach);
      if (list(a, 'tags')) c.tags = parseTags(list(a, 'tags'));
      applyImageIntegrityDine(ctx, c);
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks enable-addons',
    args: [
      { names: '--addons -a', required: true },
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const addons = str(a, 'addons')!.split(',');
      for (const ad of addons) if (!ADDON_KEYS[ad]) throw cliError(`Invalid addon name: ${ad}.`);
      const profiles = (c.properties.addonProfiles ??= {}) as Record<string, { enabled: boolean }>;
      await ctx.clock.sleep(ctx.latency.ms('aksAddon'));
      for (const ad of addons) {
        const key = ADDON_KEYS[ad]!;
        if (!profiles[key]?.enabled) {
          profiles[key] = {
            enabled: true,
            config: null,
            identity: {
              clientId: guid(),
              objectId: guid(),
              resourceId: `/subscriptions/${ctx.sub.id}/resourcegroups/MC_x/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${key}-${c.name}`,
            },
          } as never;
          if (key === 'azurepolicy') enableAzurePolicyAddon(ctx.world, c.id, ctx.now());
        }
      }
      applyImageIntegrityDine(ctx, c);
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks disable-addons',
    args: [
      { names: '--addons -a', required: true },
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const profiles = (c.properties.addonProfiles ??= {}) as Record<string, { enabled: boolean; config: null }>;
      await ctx.clock.sleep(ctx.latency.ms('aksAddon'));
      for (const ad of str(a, 'addons')!.split(',')) {
        const key = ADDON_KEYS[ad];
        if (!key) throw cliError(`Invalid addon name: ${ad}.`);
        profiles[key] = { enabled: false, config: null };
        if (key === 'azurepolicy') disableAzurePolicyAddon(ctx.world, c.id);
      }
      ctx.markDirty();
      return clusterView(c, previewApi(ctx));
    },
  },
  {
    path: 'aks get-credentials',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--file -f' },
      { names: '--overwrite-existing', kind: 'flag' },
      { names: '--admin -a', kind: 'flag' },
      { names: '--context' },
      { names: '--public-fqdn', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const admin = bool(a, 'admin') ?? false;
      if (admin && c.properties.disableLocalAccounts === true) {
        throw armError('BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.');
      }
      const contextName = str(a, 'context') ?? (admin ? `${c.name}-admin` : c.name);
      const user = `${admin ? 'clusterAdmin' : 'clusterUser'}_${str(a, 'resourceGroup')}_${c.name}`;
      const fresh = clusterKubeconfig(ctx, c, contextName, user, admin);
      const fileArg = str(a, 'file');
      if (fileArg === '-') {
        ctx.stdoutRaw(toYaml(fresh));
        return null;
      }
      if (!ctx.world.kubeApiPort) throw cliError('the simulated cluster API is not serving (the world has no Kubernetes API port yet)');
      const file = fileArg ? resolve(ctx.cwd, fileArg) : join(ctx.env.HOME ?? ctx.cwd, '.kube', 'config');
      type Named = { name: string; [k: string]: unknown };
      let doc: { clusters: Named[]; contexts: Named[]; users: Named[]; 'current-context'?: string; [k: string]: unknown } = { ...fresh };
      if (existsSync(file) && readFileSync(file, 'utf8').trim() !== '') {
        const old = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as typeof doc;
        doc = {
          apiVersion: 'v1',
          kind: 'Config',
          preferences: {},
          ...old,
          clusters: old.clusters ?? [],
          contexts: old.contexts ?? [],
          users: old.users ?? [],
        };
        const merge = (key: 'clusters' | 'contexts' | 'users', item: Named): void => {
          const i = doc[key].findIndex((x) => x.name === item.name);
          if (i >= 0 && JSON.stringify(doc[key][i]) !== JSON.stringify(item)) {
            if (!bool(a, 'overwriteExisting'))
              throw cliError(`A different object named ${item.name} already exists in your kubeconfig file.\nOverwrite? (y/n): `);
            doc[key][i] = item;
          } else if (i < 0) doc[key].push(item);
        };
        merge('clusters', fresh.clusters[0]!);
        merge('users', fresh.users[0]!);
        merge('contexts', fresh.contexts[0]!);
        doc['current-context'] = contextName;
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, toYaml(doc), { mode: 0o600 });
      ctx.warn(`Merged "${contextName}" as current context in ${file}`);
      return null;
    },
  },
  {
    path: 'aks check-acr',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--acr', required: true },
      { names: '--node-name' },
    ],
    run: (ctx, a) => {
      const c = requireCluster(ctx, str(a, 'resourceGroup')!, str(a, 'name')!);
      const server = str(a, 'acr')!.toLowerCase();
      const acr = findRegistry(ctx.world, server.replace(/\.azurecr\.io$/, ''));
      const oid = kubeletOid(c);
      const pull =
        acr !== undefined &&
        listByType(ctx.world, 'Microsoft.Authorization/roleAssignments').some((ra) => {
          const p = ra.properties as { principalId: string; scope: string; roleDefinitionId: string };
          return (
            p.principalId === oid &&
            acr.id.toLowerCase().startsWith(p.scope.toLowerCase()) &&
            p.roleDefinitionId.endsWith(roleByName('AcrPull')!.guid)
          );
        });
      const head = `[${new Date(ctx.now()).toISOString()}] Checking host name resolution (${server}): ${acr ? 'SUCCEEDED' : 'FAILED'}\n[${new Date(ctx.now()).toISOString()}] Checking ACR location matches cluster location: SUCCEEDED\n[${new Date(ctx.now()).toISOString()}] Checking managed identity...\n[${new Date(ctx.now()).toISOString()}] Validating image pull permission: `;
      if (!pull)
        throw cliError(
          `${head}FAILED\n[${new Date(ctx.now()).toISOString()}] ACR ${server} rejected token exchange: ACR token exchange endpoint returned error status: 403. body: {"errors":[{"code":"DENIED","message":"authorization failed"}]}\nCommand exited with non-zero status 1`,
        );
      ctx.stdoutRaw(`${head}SUCCEEDED\n[${new Date(ctx.now()).toISOString()}] Your cluster can pull images from ${server}!\n`);
      return null;
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
