import type { CloudProfile } from '../kernel/cloud-profile.js';
import type { ArmResource, AzureReader } from '../runner/step.js';
import { loadAzureSdk } from './bundled-module.js';

/**
 * Existence checks that one ARM GET answers, through @azure/arm-resources with the cloud
 * profile's endpoint, credential and TLS trust: one HTTPS call instead of a ~1 s az process.
 * The SDK is loaded on first use only.
 */
export function createAzureReader(profile: CloudProfile): AzureReader {
  const clients = new Map<string, Promise<import('./azure-sdk.js').ResourceManagementClient>>();
  // getById does not use the subscription; the client requires one anyway.
  const getClient = (subscriptionId = '00000000-0000-0000-0000-000000000000') => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = loadAzureSdk().then(({ ResourceManagementClient }) => {
        const c = new ResourceManagementClient(profile.credential, subscriptionId, {
          endpoint: profile.armEndpoint,
          ...(profile.tlsCa ? { tlsOptions: { ca: [profile.tlsCa] } } : {}),
          retryOptions: { maxRetries: 3 },
        });
        // Reads send no form data. The policy's `typeof FormData` check makes Node 20 load its
        // built-in fetch (undici) on the first request: about 25 ms of a run, for nothing.
        c.pipeline.removePolicy({ name: 'formDataPolicy' });
        return c;
      });
      clients.set(subscriptionId, client);
    }
    return client;
  };
  return {
    async listTagged(subscriptionId, name, value) {
      const client = await getClient(subscriptionId);
      const filter = `tagName eq '${name.replace(/'/g, "''")}' and tagValue eq '${value.replace(/'/g, "''")}'`;
      const found: ArmResource[] = [];
      for await (const group of client.resourceGroups.list({ filter })) found.push(group);
      for await (const resource of client.resources.list({ filter })) found.push(resource);
      return found;
    },
    async getById(resourceId, apiVersion) {
      try {
        return await (await getClient()).resources.getById(resourceId, apiVersion);
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404) return undefined;
        throw error;
      }
    },
    async list(path, apiVersion, options) {
      // Collections the SDK has no operation for (a scope's role assignments) go through its own
      // pipeline: the same credential, TLS trust and retries as getById.
      const [c, { createPipelineRequest }] = await Promise.all([getClient(), loadAzureSdk()]);
      const query = new URLSearchParams({ 'api-version': apiVersion, ...(options?.filter ? { $filter: options.filter } : {}) });
      let url: string | undefined = `${profile.armEndpoint.replace(/\/$/, '')}${path}?${query.toString()}`;
      const out: ArmResource[] = [];
      while (url) {
        const res = await c.sendRequest(createPipelineRequest({ url, method: 'GET' }));
        const body = JSON.parse(res.bodyAsText ?? '{}') as {
          value?: ArmResource[];
          nextLink?: string;
          error?: { code?: string; message?: string };
        };
        if (res.status === 404) return out;
        if (res.status >= 400) throw new Error(`GET ${path}: ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
        out.push(...(body.value ?? []));
        url = body.nextLink;
      }
      return out;
    },
    async caller() {
      // The ARM token names its subject: oid, and scp for a user's delegated token (an
      // application's has roles instead). The same token the ARM calls carry: no Graph call.
      const scope = profile.armEndpoint.startsWith('https://management.azure.com')
        ? 'https://management.azure.com/.default'
        : `${profile.armEndpoint}/.default`;
      const token = await profile.credential.getToken(scope);
      if (!token) return undefined;
      try {
        const claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
          oid?: string;
          scp?: string;
          idtyp?: string;
        };
        if (!claims.oid) return undefined;
        const user = claims.idtyp ? claims.idtyp === 'user' : claims.scp !== undefined;
        return { objectId: claims.oid, type: user ? 'User' : 'ServicePrincipal' };
      } catch {
        return undefined;
      }
    },
  };
}
