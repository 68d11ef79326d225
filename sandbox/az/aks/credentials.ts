import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { clusterPath } from '../../kube/api/server.js';
import { clusterTokens } from '../../kube/auth.js';
import { kubeOf } from '../../kube/objects.js';
import { aadProfileOf, AKS_AAD_CLIENT_APP, AKS_AAD_SERVER_APP } from '../../world/cluster.js';
import type { ArmResource } from '../../world/model.js';
import { bool, str } from '../args.js';
import type { AzCtx } from '../context.js';
import { armError, cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { requireCluster } from './managed-cluster.js';

/** `az aks get-credentials`: writes (or merges into) a kubeconfig for the world's loopback Kubernetes API. */

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

export const credentialCommands: AzCommand[] = [
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
];
