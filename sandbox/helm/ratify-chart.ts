import { RATIFY_CRDS, crdName, type CrdShape } from '../kube/crds.js';
import { deepMerge, getPath, ratifyDefaults } from './charts.js';

/**
 * What chart ratify 1.15.x renders from its values (the subset the simulation reads): the CRDs,
 * the pre-install hooks Ratify configures itself from (key management provider, verifiers,
 * store, policy, Gatekeeper's external-data provider), and the workload: service account with
 * its workload identity, TLS secret, config map, service and the deployment.
 */
export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

export interface Rendered {
  crds: CrdShape[];
  hooks: Manifest[];
  resources: Manifest[];
}

export class RenderError extends Error {}

const HOOK = { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' };

export function renderRatify(
  userValues: Record<string, unknown>,
  rel: { name: string; namespace: string; chartVersion: string; appVersion: string },
): Rendered {
  const values = deepMerge(ratifyDefaults(), userValues);
  const v = <T>(path: string): T => getPath(values, path) as T;
  if (v<boolean>('featureFlags.RATIFY_CERT_ROTATION') !== true && !v<string>('provider.tls.crt')) {
    throw new RenderError(
      'execution error at (ratify/templates/secret.yaml:4:6): You must provide a TLS certificate for Ratify to use or enable RATIFY_CERT_ROTATION featureFlag',
    );
  }
  const ns = rel.namespace;
  const labels = {
    'app.kubernetes.io/name': 'ratify',
    'app.kubernetes.io/instance': rel.name,
    'app.kubernetes.io/version': rel.appVersion,
    'helm.sh/chart': `ratify-${rel.chartVersion}`,
  };
  const clientId = v<string>('azureWorkloadIdentity.clientId') ?? '';
  const saName = v<string>('serviceAccount.name') || 'ratify-admin';
  const hook = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): Manifest => ({
    apiVersion,
    kind,
    metadata: { name, annotations: { ...HOOK } },
    spec,
  });
  const hooks: Manifest[] = [];
  const akv = v<Record<string, unknown>>('azurekeyvault');
  const legacy = v<Record<string, unknown>>('akvCertConfig');
  // Chart 1.15.0 still renders the deprecated akvCertConfig keys (docs/errata.md#akv-cert-config).
  if (akv.enabled || legacy.enabled) {
    const certs = [
      ...(legacy.cert1Name ? [{ name: legacy.cert1Name, version: legacy.cert1Version ?? '' }] : []),
      ...(legacy.cert2Name ? [{ name: legacy.cert2Name, version: legacy.cert2Version ?? '' }] : []),
      ...((akv.certificates as { name?: string; version?: string }[] | undefined) ?? [])
        .filter((c) => c.name)
        .map((c) => ({ name: c.name, version: c.version ?? '' })),
    ];
    hooks.push(
      hook('config.ratify.deislabs.io/v1beta1', 'KeyManagementProvider', 'kmprovider-akv', {
        type: 'azurekeyvault',
        parameters: {
          vaultURI: akv.vaultURI || legacy.vaultURI || '',
          certificates: certs,
          tenantID: akv.tenantId || akv.tenantID || legacy.tenantId || legacy.tenantID || '',
          clientID: clientId,
        },
      }),
    );
  }
  if (v<boolean>('notation.enabled') !== false) {
    hooks.push(
      hook('config.ratify.deislabs.io/v1beta1', 'Verifier', 'verifier-notation', {
        name: 'notation',
        version: '1.0.0',
        artifactTypes: 'application/vnd.cncf.notary.signature',
        parameters: {
          verificationCertStores: { certs: akv.enabled || legacy.enabled ? ['kmprovider-akv'] : [] },
          trustPolicyDoc: { version: '1.0', trustPolicies: v('notation.trustPolicies') ?? [] },
        },
      }),
    );
  }
  if (v<boolean>('cosign.enabled'))
    hooks.push(
      hook('config.ratify.deislabs.io/v1beta1', 'Verifier', 'verifier-cosign', {
        name: 'cosign',
        artifactTypes: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        parameters: { key: '/usr/local/ratify-certs/cosign/cosign.pub' },
      }),
    );
  const auth = v<Record<string, unknown>>('oras.authProviders') ?? {};
  hooks.push(
    hook('config.ratify.deislabs.io/v1beta1', 'Store', 'store-oras', {
      name: 'oras',
      parameters: {
        ...(v<boolean>('cosign.enabled') ? { cosignEnabled: true } : {}),
        ...(auth.azureWorkloadIdentityEnabled
          ? { authProvider: { name: 'azureWorkloadIdentity', clientID: clientId } }
          : auth.azureManagedIdentityEnabled
            ? { authProvider: { name: 'azureManagedIdentity' } }
            : {}),
      },
    }),
  );
  hooks.push(
    hook('config.ratify.deislabs.io/v1beta1', 'Policy', 'ratify-policy', {
      type: 'config-policy',
      parameters: { artifactVerificationPolicies: { 'application/vnd.cncf.notary.signature': 'any' }, passthroughEnabled: false },
    }),
  );
  hooks.push(
    hook('externaldata.gatekeeper.sh/v1beta1', 'Provider', 'ratify-provider', {
      url: `https://ratify.${ns}:6001/ratify/gatekeeper/v1/verify`,
      timeout: Number(v('provider.timeout.validationTimeoutSeconds') ?? 5),
    }),
  );
  const mutation = v<boolean>('provider.enableMutation') === true;
  if (mutation)
    hooks.push(
      hook('externaldata.gatekeeper.sh/v1beta1', 'Provider', 'ratify-mutation-provider', {
        url: `https://ratify.${ns}:6001/ratify/gatekeeper/v1/mutate`,
        timeout: Number(v('provider.timeout.mutationTimeoutSeconds') ?? 2),
      }),
    );
  const podLabels: Record<string, string> = {
    'app.kubernetes.io/name': 'ratify',
    'app.kubernetes.io/instance': rel.name,
    ...(clientId ? { 'azure.workload.identity/use': 'true' } : {}),
  };
  const res = (
    apiVersion: string,
    kind: string,
    name: string,
    rest: Record<string, unknown>,
    extraLabels: Record<string, string> = {},
    annotations?: Record<string, string>,
  ): Manifest => ({
    apiVersion,
    kind,
    metadata: { name, namespace: ns, labels: { ...labels, ...extraLabels }, ...(annotations ? { annotations } : {}) },
    ...rest,
  });
  const resources: Manifest[] = [];
  if (v<boolean>('serviceAccount.create') !== false) {
    resources.push(
      res(
        'v1',
        'ServiceAccount',
        saName,
        {},
        clientId ? { 'azure.workload.identity/use': 'true' } : {},
        clientId ? { 'azure.workload.identity/client-id': clientId } : undefined,
      ),
    );
  }
  resources.push(res('v1', 'Secret', 'ratify-tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '', 'ca.crt': '' } }));
  resources.push(
    res('v1', 'ConfigMap', 'ratify-configuration', {
      data: {
        'config.json': JSON.stringify({
          executor: {},
          logger: { formatter: v('logger.formatter') ?? 'text', level: v('logger.level') ?? 'info' },
        }),
      },
    }),
  );
  resources.push(
    res('v1', 'Service', 'ratify', {
      spec: {
        ports: [{ name: 'https', port: 6001, protocol: 'TCP', targetPort: 6001 }],
        selector: { 'app.kubernetes.io/name': 'ratify', 'app.kubernetes.io/instance': rel.name },
      },
    }),
  );
  const image = `${v<string>('image.repository') ?? 'ghcr.io/ratify-project/ratify'}:${v<string>('image.tag') ?? rel.appVersion}`;
  resources.push(
    res('apps/v1', 'Deployment', 'ratify', {
      spec: {
        replicas: Number(v('replicaCount') ?? 1),
        selector: { matchLabels: { 'app.kubernetes.io/name': 'ratify', 'app.kubernetes.io/instance': rel.name } },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName: saName,
            containers: [
              {
                name: 'ratify',
                image,
                args: ['serve', '--http', ':6001', '-c', '/usr/local/ratify/config.json'],
                ports: [{ containerPort: 6001 }],
              },
            ],
          },
        },
      },
    }),
  );
  if (mutation)
    resources.push({
      apiVersion: 'mutations.gatekeeper.sh/v1beta1',
      kind: 'Assign',
      metadata: { name: 'mutate-image', labels },
      spec: {
        match: { scope: 'Namespaced', kinds: [{ apiGroups: ['*'], kinds: ['Pod'] }], excludedNamespaces: ['gatekeeper-system'] },
        applyTo: [{ groups: [''], kinds: ['Pod'], versions: ['v1'] }],
        location: 'spec.containers[name:*].image',
        parameters: { assign: { externalData: { provider: 'ratify-mutation-provider' } } },
      },
    });
  return { crds: RATIFY_CRDS, hooks, resources };
}

export { crdName };
