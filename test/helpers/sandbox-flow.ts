import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSWERS, type RunResult, type TestWorld } from './sandbox-world.js';

/**
 * The corrected flow (docs/errata.md) as fake-tool commands, with switches that put in
 * one deliberate mistake each (the "wrong kit" suite, test/sandbox/wrong-kit.test.ts).
 */
export interface Mistakes {
  mutationEnabled?: boolean;
  ficNamespace?: string;
  noAcrPull?: boolean;
  setPolicyOnRbacVault?: boolean;
  signByTagThenRebuild?: boolean;
  trustSubjectViaSetWithCommas?: boolean;
  verifyBeforeSync?: boolean;
  skipImageIntegrityCleanup?: boolean;
  noSecretsUser?: boolean;
  stalePolicyTemplateUrl?: boolean;
  /** Not a mistake: the Audit effect (both pods admitted, the unsigned one a violation). */
  audit?: boolean;
}

export interface FlowResult {
  /** First command that failed (the kit stops there), if any. */
  failedAt?: { argv: readonly string[]; result: RunResult };
  signed?: RunResult;
  unsigned?: RunResult;
  vars: Record<string, string>;
}

export const SUBJECT = 'CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US';
const KV = 'kv-ratify-demo';
const CERT = 'ratify-cert';
const IDENTITY = 'id-ratify';
const DEMO_NS = 'demo';

/**
 * `wait(ms)` stands for the runbook's waits (propagation, policy sync); with a virtual clock it
 * moves world time, so even `realistic` latency runs without real sleeping.
 */
export async function runFlow(w: TestWorld, m: Mistakes = {}, opts: { wait?: (ms: number) => void } = {}): Promise<FlowResult> {
  const wait = opts.wait ?? (() => undefined);
  const v: Record<string, string> = {};
  const out: FlowResult = { vars: v };
  const { resourceGroup: RG, aksName: AKS, acrName: ACR } = ANSWERS;
  const must = async (argv: string[], env?: Record<string, string>): Promise<string | undefined> => {
    const r = await w.run(argv, env);
    if (r.code !== 0) {
      out.failedAt ??= { argv, result: r };
      return undefined;
    }
    return r.stdout.trim();
  };
  const az = (...a: string[]): Promise<string | undefined> => must(['az', ...a]);

  v.sub = (await az('account', 'show', '--query', 'id', '-o', 'tsv'))!;
  v.tenant = (await az('account', 'show', '--query', 'tenantId', '-o', 'tsv'))!;
  v.me = (await az('ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'))!;
  const S = ['--subscription', v.sub];
  const SCOPE_RG = `/subscriptions/${v.sub}/resourceGroups/${RG}`;
  // Step 1: cleanup Image Integrity (assignment first, then the feature).
  if (!m.skipImageIntegrityCleanup) {
    await az('policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', SCOPE_RG, ...S);
    await az('aks', 'update', '-g', RG, '-n', AKS, '--disable-image-integrity', ...S, '-o', 'none');
  }
  // Step 2: cluster prerequisites.
  await az('provider', 'register', '--namespace', 'Microsoft.PolicyInsights', ...S);
  await az('aks', 'update', '-g', RG, '-n', AKS, '--enable-oidc-issuer', '--enable-workload-identity', ...S, '-o', 'none');
  await az('aks', 'update', '-g', RG, '-n', AKS, '--attach-acr', ACR, ...S, '-o', 'none');
  await az('aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig, '--overwrite-existing', ...S);
  v.issuer = (await az('aks', 'show', '-g', RG, '-n', AKS, '--query', 'oidcIssuerProfile.issuerUrl', '-o', 'tsv', ...S))!;
  v.aksId = (await az('aks', 'show', '-g', RG, '-n', AKS, '--query', 'id', '-o', 'tsv', ...S))!;
  // Step 3: Key Vault (RBAC, the default).
  await az('keyvault', 'create', '-n', KV, '-g', RG, ...S, '-o', 'none');
  v.vaultUri = (await az('keyvault', 'show', '-n', KV, '-g', RG, '--query', 'properties.vaultUri', '-o', 'tsv', ...S))!;
  v.kvId = (await az('keyvault', 'show', '-n', KV, '-g', RG, '--query', 'id', '-o', 'tsv', ...S))!;
  // Step 5: signer access.
  if (m.setPolicyOnRbacVault) {
    await az(
      'keyvault',
      'set-policy',
      '-n',
      KV,
      '--certificate-permissions',
      'create',
      'get',
      '--key-permissions',
      'sign',
      '--object-id',
      v.me,
      ...S,
    );
  } else {
    for (const role of ['Key Vault Certificates Officer', 'Key Vault Crypto User']) {
      await az(
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        v.me,
        '--assignee-principal-type',
        'User',
        '--role',
        role,
        '--scope',
        v.kvId,
        ...S,
        '-o',
        'none',
      );
    }
  }
  wait(10 * 60_000); // RBAC propagation (up to ten minutes)
  // Step 6: certificate.
  const policyFile = join(w.dir, 'cert-policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      issuerParameters: { certificateTransparency: null, name: 'Self' },
      keyProperties: { exportable: false, keySize: 2048, keyType: 'RSA', reuseKey: true },
      secretProperties: { contentType: 'application/x-pem-file' },
      x509CertificateProperties: { ekus: ['1.3.6.1.5.5.7.3.3'], keyUsage: ['digitalSignature'], subject: SUBJECT, validityInMonths: 12 },
    }),
  );
  await az('keyvault', 'certificate', 'create', '-n', CERT, '--vault-name', KV, '-p', `@${policyFile}`, ...S, '-o', 'none');
  v.keyId = (await az('keyvault', 'certificate', 'show', '-n', CERT, '--vault-name', KV, '--query', 'kid', '-o', 'tsv', ...S))!;
  // Step 7: build, sign.
  await must(['notation', 'plugin', 'ls']);
  const REG = `${ACR}.azurecr.io`;
  v.token = (await az('acr', 'login', '-n', ACR, '--expose-token', '--query', 'accessToken', '-o', 'tsv', ...S))!;
  const creds = { NOTATION_USERNAME: '00000000-0000-0000-0000-000000000000', NOTATION_PASSWORD: v.token };
  v.digest = (await az(
    'acr',
    'build',
    '-r',
    ACR,
    '-t',
    `${REG}/net-monitor:v1`,
    'https://github.com/wabbit-networks/net-monitor.git#main',
    '--no-logs',
    '--query',
    'outputImages[0].digest',
    '-o',
    'tsv',
    ...S,
  ))!;
  await az(
    'acr',
    'build',
    '-r',
    ACR,
    '-t',
    `${REG}/net-watcher:v1`,
    'https://github.com/wabbit-networks/net-watcher.git#main',
    '--no-logs',
    '-o',
    'none',
    ...S,
  );
  if (m.signByTagThenRebuild) {
    await must(
      [
        'notation',
        'sign',
        '--signature-format',
        'cose',
        '--id',
        v.keyId,
        '--plugin',
        'azure-kv',
        '--plugin-config',
        'self_signed=true',
        `${REG}/net-monitor:v1`,
      ],
      creds,
    );
    v.digest = (await az(
      'acr',
      'build',
      '-r',
      ACR,
      '-t',
      `${REG}/net-monitor:v1`,
      'https://github.com/wabbit-networks/net-monitor.git#main',
      '--no-logs',
      '--query',
      'outputImages[0].digest',
      '-o',
      'tsv',
      ...S,
    ))!;
  } else {
    await must(
      [
        'notation',
        'sign',
        '--signature-format',
        'cose',
        '--id',
        v.keyId,
        '--plugin',
        'azure-kv',
        '--plugin-config',
        'self_signed=true',
        `${REG}/net-monitor@${v.digest}`,
      ],
      creds,
    );
  }
  // Step 8: identity for Ratify.
  await az('identity', 'create', '-n', IDENTITY, '-g', RG, ...S, '-o', 'none');
  v.clientId = (await az('identity', 'show', '-n', IDENTITY, '-g', RG, '--query', 'clientId', '-o', 'tsv', ...S))!;
  v.principalId = (await az('identity', 'show', '-n', IDENTITY, '-g', RG, '--query', 'principalId', '-o', 'tsv', ...S))!;
  v.acrId = (await az('acr', 'show', '-n', ACR, '--query', 'id', '-o', 'tsv', ...S))!;
  if (!m.noAcrPull)
    await az(
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      v.principalId,
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      'AcrPull',
      '--scope',
      v.acrId,
      ...S,
      '-o',
      'none',
    );
  if (!m.noSecretsUser)
    await az(
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      v.principalId,
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      'Key Vault Secrets User',
      '--scope',
      v.kvId,
      ...S,
      '-o',
      'none',
    );
  await az(
    'identity',
    'federated-credential',
    'create',
    '--name',
    'ratify-federated-credential',
    '--identity-name',
    IDENTITY,
    '-g',
    RG,
    '--issuer',
    v.issuer,
    '--subject',
    `system:serviceaccount:${m.ficNamespace ?? 'gatekeeper-system'}:ratify-admin`,
    '--audience',
    'api://AzureADTokenExchange',
    ...S,
    '-o',
    'none',
  );
  wait(10 * 60_000); // FIC + role propagation
  // Step 9: Ratify.
  await must(['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify']);
  await must(['helm', 'repo', 'update']);
  const values = {
    featureFlags: { RATIFY_CERT_ROTATION: true },
    provider: { enableMutation: Boolean(m.mutationEnabled) },
    azureWorkloadIdentity: { clientId: v.clientId },
    oras: { authProviders: { azureWorkloadIdentityEnabled: true } },
    azurekeyvault: { enabled: true, vaultURI: v.vaultUri, tenantId: v.tenant, certificates: [{ name: CERT }] },
    notation: {
      trustPolicies: [
        {
          name: 'default',
          registryScopes: [`${REG}/net-monitor`],
          trustStores: ['ca:azurekeyvault'],
          trustedIdentities: m.trustSubjectViaSetWithCommas ? ['*'] : [`x509.subject: ${SUBJECT}`],
        },
      ],
    },
    logger: { level: 'debug' },
  };
  const valuesFile = join(w.dir, 'ratify-values.yaml');
  writeFileSync(valuesFile, JSON.stringify(values));
  const setArgs = m.trustSubjectViaSetWithCommas
    ? ['--set', `notation.trustPolicies[0].trustedIdentities[0]=x509.subject: ${SUBJECT}`]
    : [];
  await must([
    'helm',
    'upgrade',
    '--install',
    'ratify',
    'ratify/ratify',
    '--version',
    '1.15.0',
    '--namespace',
    'gatekeeper-system',
    '--rollback-on-failure',
    '--wait=watcher',
    '--timeout',
    '10m',
    '-f',
    valuesFile,
    ...setArgs,
  ]);
  // Step 10: policy.
  const rules = {
    if: { field: 'type', in: ['Microsoft.ContainerService/managedClusters'] },
    then: {
      effect: "[parameters('effect')]",
      details: {
        templateInfo: {
          sourceType: 'PublicURL',
          url: m.stalePolicyTemplateUrl
            ? 'https://ratify-project.github.io/ratify/library/default/template.yaml'
            : 'https://notaryproject.github.io/ratify/library/default/template.yaml',
        },
        apiGroups: [''],
        kinds: ['Pod'],
        namespaces: "[parameters('namespaces')]",
        excludedNamespaces: "[parameters('excludedNamespaces')]",
      },
    },
  };
  const params = {
    effect: { type: 'String', allowedValues: ['audit', 'deny', 'disabled'], defaultValue: 'deny' },
    namespaces: { type: 'Array', defaultValue: [] },
    excludedNamespaces: { type: 'Array', defaultValue: ['kube-system', 'gatekeeper-system'] },
  };
  v.definitionId = (await az(
    'policy',
    'definition',
    'create',
    '--name',
    'ratify-default-custom-policy',
    '--rules',
    JSON.stringify(rules),
    '--params',
    JSON.stringify(params),
    '--mode',
    'Microsoft.Kubernetes.Data',
    '--query',
    'id',
    '-o',
    'tsv',
    ...S,
  ))!;
  v.assignmentId = (await az(
    'policy',
    'assignment',
    'create',
    '--policy',
    v.definitionId,
    '--name',
    'ratify-default-custom-policy',
    '--scope',
    v.aksId,
    '-p',
    JSON.stringify({ effect: { value: m.audit ? 'Audit' : 'Deny' }, namespaces: { value: [DEMO_NS] } }),
    '--query',
    'id',
    '-o',
    'tsv',
    ...S,
  ))!;
  if (!m.verifyBeforeSync) wait(16 * 60_000); // the add-on syncs every 15 minutes
  // Step 11: verify.
  await must(['kubectl', 'create', 'namespace', DEMO_NS]);
  out.signed = await w.run(['kubectl', 'run', 'demo-signed', '-n', DEMO_NS, `--image=${REG}/net-monitor@${v.digest}`]);
  out.unsigned = await w.run(['kubectl', 'run', 'demo-unsigned', '-n', DEMO_NS, `--image=${REG}/net-watcher:v1`]);
  return out;
}

export const DENIAL =
  /^Error from server \(Forbidden\): admission webhook "validation\.gatekeeper\.sh" denied the request: \[azurepolicy-ratifyverification-[0-9a-f]{20}\] /;
