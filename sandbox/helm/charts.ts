/**
 * The charts the sandbox knows, by repository URL (the Ratify chart moved from
 * deislabs.github.io to ratify-project.github.io to notaryproject.github.io; only the last
 * answers: docs/errata.md#helm-repository). Default values are the subset of chart 1.15.0's values.yaml that the
 * simulation reads.
 */
export interface ChartIndex {
  versions: string[];
  appVersions: Record<string, string>;
  description?: string;
}

/**
 * 1.15.1 is a **simulated** later patch of the 1.15 line (upstream's index has 1.15.0 as the
 * newest 1.x when this was written): it lets a sandbox run show how the runbook reports a newer
 * patch of the pinned line without installing it.
 */
export const LIVE_REPOS: Record<string, { charts: Record<string, ChartIndex> }> = {
  'https://notaryproject.github.io/ratify': {
    charts: {
      ratify: {
        versions: ['1.15.1', '1.15.0', '1.14.2', '1.13.4', '1.12.1', '1.11.0'],
        appVersions: {
          '1.15.1': 'v1.4.1',
          '1.15.0': 'v1.4.0',
          '1.14.2': 'v1.3.2',
          '1.13.4': 'v1.2.3',
          '1.12.1': 'v1.1.1',
          '1.11.0': 'v1.0.0',
        },
        description: 'A Helm chart for Ratify',
      },
      'ratify-gatekeeper-provider': {
        versions: ['2.0.0-alpha.1'],
        appVersions: { '2.0.0-alpha.1': '2.0.0-alpha.1' },
        description: 'A Helm chart for Ratify Gatekeeper Provider',
      },
    },
  },
  'https://open-policy-agent.github.io/gatekeeper/charts': {
    charts: {
      gatekeeper: {
        versions: ['3.19.1', '3.18.2'],
        appVersions: { '3.19.1': 'v3.19.1', '3.18.2': 'v3.18.2' },
        description: 'A Helm chart for Gatekeeper',
      },
    },
  },
};

export const DEAD_REPOS = ['https://deislabs.github.io/ratify', 'https://ratify-project.github.io/ratify'];

export const normaliseRepoUrl = (url: string): string => url.replace(/\/+$/, '');

export function ratifyDefaults(): Record<string, unknown> {
  return {
    image: { repository: 'ghcr.io/ratify-project/ratify', crdRepository: 'ghcr.io/ratify-project/ratify-crds', tag: 'v1.4.0' },
    replicaCount: 1,
    gatekeeper: { version: '3.18.0', namespace: '' },
    featureFlags: { RATIFY_CERT_ROTATION: false },
    logger: { formatter: 'text', level: 'info' },
    provider: {
      enableMutation: true,
      timeout: { validationTimeoutSeconds: 5, mutationTimeoutSeconds: 2 },
      tls: { crt: '', key: '', cabundle: '' },
    },
    serviceAccount: { create: true, name: 'ratify-admin' },
    azureWorkloadIdentity: { clientId: '' },
    oras: { authProviders: { azureWorkloadIdentityEnabled: false, azureManagedIdentityEnabled: false } },
    azurekeyvault: { enabled: false, vaultURI: '', tenantId: '', certificates: [] },
    akvCertConfig: { enabled: false, vaultURI: '', cert1Name: '', cert1Version: '', tenantId: '' },
    notation: {
      enabled: true,
      trustPolicies: [{ name: 'default', registryScopes: ['*'], trustStores: ['ca:azurekeyvault'], trustedIdentities: ['*'] }],
    },
    cosign: { enabled: true },
    policy: { useRego: false },
  };
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b))
      out[k] = deepMerge(b as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}
