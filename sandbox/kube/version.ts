/**
 * The Kubernetes version every simulated AKS cluster runs (an AKS-supported 1.32 patch), what its
 * API server's /version reports; gcloud's kubectl dispatcher picks its 1.32 client from it.
 */
export const KUBE_VERSION = '1.32.6';

export const serverVersion = (): Record<string, string> => ({
  major: '1',
  minor: '32',
  gitVersion: `v${KUBE_VERSION}`,
  gitCommit: '9c83d9e5c4a0b6eb62b4c7bc0a7a4f71e1bd8c57',
  gitTreeState: 'clean',
  buildDate: '2025-06-17T18:36:28Z',
  goVersion: 'go1.23.10',
  compiler: 'gc',
  platform: 'linux/amd64',
});
