import type { CloudProfile } from '../kernel/cloud-profile.js';
import type { ArmResource, AzureReader } from '../runner/step.js';

/**
 * Existence checks that one ARM GET answers, through @azure/arm-resources with the cloud
 * profile's endpoint, credential and TLS trust: one HTTPS call instead of a ~1 s az process.
 * The SDK is loaded on first use only.
 */
export function createAzureReader(profile: CloudProfile): AzureReader {
  let client: Promise<import('@azure/arm-resources').ResourceManagementClient> | undefined;
  const getClient = () =>
    (client ??= import('@azure/arm-resources').then(
      ({ ResourceManagementClient }) =>
        // getById does not use the subscription; the client requires one anyway.
        new ResourceManagementClient(profile.credential, '00000000-0000-0000-0000-000000000000', {
          endpoint: profile.armEndpoint,
          ...(profile.tlsCa ? { tlsOptions: { ca: [profile.tlsCa] } } : {}),
          retryOptions: { maxRetries: 3 },
        } as never),
    ));
  return {
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
