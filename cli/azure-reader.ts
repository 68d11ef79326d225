import type { CloudProfile } from '../kernel/cloud-profile.js';
import type { ArmResource, AzureReader } from '../runner/step.js';

/**
 * Existence checks that one ARM GET answers, through @azure/arm-resources with the cloud
 * profile's endpoint, credential and TLS trust: one HTTPS call instead of a ~1 s az process.
 * The SDK is loaded on first use only.
 */
export function createAzureReader(profile: CloudProfile): AzureReader {
  const clients = new Map<string, Promise<import('@azure/arm-resources').ResourceManagementClient>>();
  // getById does not use the subscription; the client requires one anyway.
  const getClient = (subscriptionId = '00000000-0000-0000-0000-000000000000') => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = import('@azure/arm-resources').then(
        ({ ResourceManagementClient }) =>
          new ResourceManagementClient(profile.credential, subscriptionId, {
            endpoint: profile.armEndpoint,
            ...(profile.tlsCa ? { tlsOptions: { ca: [profile.tlsCa] } } : {}),
            retryOptions: { maxRetries: 3 },
          } as never),
      );
      clients.set(subscriptionId, client);
    }
    return client;
  };
  return {
    async listTagged(subscriptionId, name, value) {
      const client = await getClient(subscriptionId);
      const filter = `tagName eq '${name.replace(/'/g, "''")}' and tagValue eq '${value.replace(/'/g, "''")}'`;
      const found: ArmResource[] = [];
      for await (const group of client.resourceGroups.list({ filter })) found.push(group as ArmResource);
      for await (const resource of client.resources.list({ filter })) found.push(resource as ArmResource);
      return found;
    },
    async getById(resourceId, apiVersion) {
      try {
        return (await (await getClient()).resources.getById(resourceId, apiVersion)) as ArmResource;
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404) return undefined;
        throw error;
      }
    },
  };
}
