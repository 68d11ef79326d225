import type { LatencyProfile } from '../latency.js';
import { deepMerge, getPath, ratifyDefaults } from '../helm/charts.js';
import { sameDn, parseDn } from '../tls.js';
import type { ArmResource, CertVersion, HelmRelease, KubeData, World } from '../world/model.js';
import { rbacAllows, vaultAllows } from '../world/rbac.js';
import { listByType } from '../world/resources.js';

/**
 * Admission decided from the whole chain: Ratify installed in
 * gatekeeper-system with values naming this vault and certificate, a trust policy that
 * matches the certificate subject, a workload identity whose federated credential matches
 * the cluster's OIDC issuer and gatekeeper-system:ratify-admin, that identity able to read
 * the vault's secrets and pull from the ACR, and every signature on the digest verifying
 * against the vault's current certificate. Failure texts are Ratify's (docs/troubleshooting.md).
 */
export interface Env {
  world: World;
  cluster: ArmResource;
  kube: KubeData;
  now: number;
  latency: LatencyProfile;
}

export type Verdict = { ok: true } | { ok: false; system: boolean; reason: string; log: string };

export interface KmpState {
  ok: boolean;
  error?: string;
  certs: { name: string; version: CertVersion }[];
  vaultName?: string;
}

export function ratifyRelease(kube: KubeData): HelmRelease | undefined {
  return Object.values(kube.releases).find((r) => r.chart === 'ratify' && r.status === 'deployed');
}

export const releaseValues = (r: HelmRelease): Record<string, unknown> => deepMerge(ratifyDefaults(), r.config);

function identityFor(world: World, clientId: string): ArmResource | undefined {
  return listByType(world, 'Microsoft.ManagedIdentity/userAssignedIdentities').find((i) => String(i.properties.clientId) === clientId);
}

/** The workload identity token exchange: AADSTS errors are what Ratify logs (docs/troubleshooting.md#federated-credential-mismatch). */
function tokenProblem(e: Env, values: Record<string, unknown>, ns: string): string | undefined {
  const wi = (e.cluster.properties.securityProfile as { workloadIdentity?: { enabled?: boolean } }).workloadIdentity?.enabled;
  const clientId = String(getPath(values, 'azureWorkloadIdentity.clientId') ?? '');
  if (!wi || !clientId) return 'failed to create auth provider from configuration: azure tenant id environment variable is empty';
  const ident = identityFor(e.world, clientId);
  if (!ident) return `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${e.world.tenant.domain}'.`;
  const issuer = String((e.cluster.properties.oidcIssuerProfile as { issuerURL?: string }).issuerURL ?? '');
  const sa = String(getPath(values, 'serviceAccount.name') ?? 'ratify-admin');
  const subject = `system:serviceaccount:${ns}:${sa}`;
  const fics = listByType(e.world, 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials').filter((f) => f.id.toLowerCase().startsWith(ident.id.toLowerCase() + '/'));
  const match = fics.find((f) => f.properties.issuer === issuer && f.properties.subject === subject && ((f.properties.audiences as string[] | undefined) ?? []).includes('api://AzureADTokenExchange'));
  if (!match || (match.meta?.createdAt ?? 0) + e.latency.ms('ficPropagation') > e.now) {
    return `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: 'api://AzureADTokenExchange'.`;
  }
  return undefined;
}

export function kmpState(e: Env, values: Record<string, unknown>): KmpState {
  const akv = getPath(values, 'azurekeyvault') as { enabled?: boolean; vaultURI?: string; tenantId?: string; certificates?: { name?: string; version?: string }[] };
  const legacy = getPath(values, 'akvCertConfig') as { enabled?: boolean; vaultURI?: string; tenantId?: string; cert1Name?: string; cert1Version?: string; cert2Name?: string };
  // Chart 1.15.0 still renders the deprecated akvCertConfig keys into the KMP (docs/errata.md#akv-cert-config).
  const cfg = akv?.enabled
    ? { vaultURI: akv.vaultURI ?? '', tenantId: akv.tenantId ?? '', certs: (akv.certificates ?? []).map((c) => ({ name: c.name ?? '', version: c.version })) }
    : legacy?.enabled
      ? { vaultURI: legacy.vaultURI ?? '', tenantId: legacy.tenantId ?? '', certs: [legacy.cert1Name, legacy.cert2Name].filter(Boolean).map((n, i) => ({ name: String(n), version: i === 0 ? legacy.cert1Version || undefined : undefined })) }
      : undefined;
  if (!cfg) return { ok: false, error: 'no key management provider configured: azurekeyvault.enabled is false', certs: [] };
  const m = /^https:\/\/([^.]+)\.vault\.azure\.net\/?$/.exec(cfg.vaultURI);
  if (!m) return { ok: false, error: `failed to create key management provider: vaultURI '${cfg.vaultURI}' is not a Key Vault URI`, certs: [] };
  if (cfg.tenantId !== e.world.tenant.id) return { ok: false, error: `AADSTS90002: Tenant '${cfg.tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, certs: [] };
  const vault = listByType(e.world, 'Microsoft.KeyVault/vaults').find((v) => v.name.toLowerCase() === m[1]!.toLowerCase());
  if (!vault) return { ok: false, error: `failed to get secret: dial tcp: lookup ${m[1]}.vault.azure.net: no such host`, certs: [] };
  const problem = tokenProblem(e, values, 'gatekeeper-system');
  if (problem) return { ok: false, error: problem, certs: [], vaultName: vault.name };
  const clientId = String(getPath(values, 'azureWorkloadIdentity.clientId'));
  const ident = identityFor(e.world, clientId)!;
  const oid = String(ident.properties.principalId);
  if (cfg.certs.length === 0) return { ok: false, error: 'no certificates configured for the key management provider', certs: [], vaultName: vault.name };
  const certs: KmpState['certs'] = [];
  for (const c of cfg.certs) {
    if (!vaultAllows(e.world, vault, oid, 'secrets/get', e.now, e.latency.ms('rbacPropagation'))) {
      const rbac = (vault.properties as { enableRbacAuthorization?: boolean }).enableRbacAuthorization;
      return {
        ok: false,
        vaultName: vault.name,
        certs: [],
        error: rbac
          ? `failed to get secret objectName:${c.name}, objectVersion:${c.version ?? ''}, error: Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action' (ForbiddenByRbac)`
          : `failed to get secret objectName:${c.name}, objectVersion:${c.version ?? ''}, error: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="The user, group or application does not have secrets get permission on key vault '${vault.name};location=${vault.location}'." InnerError={"code":"AccessDenied"}`,
      };
    }
    const cert = e.world.vaults[vault.name.toLowerCase()]?.certificates[c.name.toLowerCase()];
    const live = cert && cert.deletedAt === undefined ? cert : undefined;
    const version = c.version ? live?.versions.find((v) => v.version === c.version) : [...(live?.versions ?? [])].reverse().find((v) => v.enabled);
    if (!version) return { ok: false, vaultName: vault.name, certs: [], error: `failed to get secret objectName:${c.name}, objectVersion:${c.version ?? ''}, error: SecretNotFound: A secret with (name/id) ${c.name}${c.version ? '/' + c.version : ''} was not found in this key vault.` };
    const ct = (version.policy.secretProperties as { contentType?: string } | undefined)?.contentType;
    if (ct !== 'application/x-pem-file') {
      return { ok: false, vaultName: vault.name, certs: [], error: 'failed to get certificates from secret bundle: failed to convert PKCS12 Value to PEM: pkcs12: expected exactly two items in the authenticated safe, Code: CERT_INVALID' };
    }
    certs.push({ name: c.name, version });
  }
  return { ok: true, certs, vaultName: vault.name };
}

interface TrustPolicy {
  name?: string;
  registryScopes?: string[];
  trustStores?: string[];
  trustedIdentities?: string[];
}

function trustPolicyFor(values: Record<string, unknown>, repoRef: string): { policy?: TrustPolicy; error?: string } {
  const policies = (getPath(values, 'notation.trustPolicies') ?? []) as TrustPolicy[];
  const policy = policies.find((p) => (p.registryScopes ?? []).includes(repoRef)) ?? policies.find((p) => (p.registryScopes ?? []).includes('*'));
  if (!policy) return { error: `artifact ${repoRef} has no applicable trust policy. Trust policy applicability for a given artifact is determined by registryScopes.` };
  for (const id of policy.trustedIdentities ?? []) {
    if (id === '*') continue;
    const m = /^x509\.subject:\s*(.*)$/.exec(id);
    if (!m) return { error: `trust policy ${policy.name}: trusted identity "${id}" is invalid; it must be "*" or start with "x509.subject:"` };
    const keys = parseDn(m[1]!).map((a) => a.key);
    for (const req of ['C', 'ST', 'O']) {
      if (!keys.includes(req)) return { error: `trust policy ${policy.name}: trusted identity "${id}" is invalid: distinguished name (DN) "${m[1]}" has no mandatory RDN attribute for "${req}", it must contain 'C', 'ST', and 'O' RDN attributes at a minimum` };
    }
  }
  return { policy };
}

/** Parses `registry/repo[:tag][@digest]`. */
export function parseRef(image: string): { registry: string; repo: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  return { registry, repo: path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function verifyImage(e: Env, image: string): Verdict {
  const release = ratifyRelease(e.kube);
  if (!release) {
    const reason = 'failed to send external data request to provider ratify-provider: provider "ratify-provider" not found';
    return { ok: false, system: true, reason, log: reason };
  }
  if (release.namespace !== 'gatekeeper-system') {
    const reason = `failed to send external data request to provider ratify-provider: Post "https://ratify.${release.namespace}:6001/ratify/gatekeeper/v1/verify": remote error: tls: bad certificate`;
    return { ok: false, system: true, reason, log: `${reason} (Ratify must run in gatekeeper-system, next to Gatekeeper's webhook certificate)` };
  }
  const dep = e.kube.objects[`Deployment/${release.namespace}/ratify`];
  if (!dep || (dep.sandbox?.readyAt ?? 0) > e.now) {
    const reason = `failed to send external data request to provider ratify-provider: Post "https://ratify.${release.namespace}:6001/ratify/gatekeeper/v1/verify": dial tcp 10.0.0.42:6001: connect: connection refused`;
    return { ok: false, system: true, reason, log: reason };
  }
  const values = releaseValues(release);
  const ref = parseRef(image);
  const registry = listByType(e.world, 'Microsoft.ContainerRegistry/registries').find((r) => String(r.properties.loginServer).toLowerCase() === ref.registry.toLowerCase());
  if (registry) {
    const problem = tokenProblem(e, values, release.namespace);
    if (problem) return { ok: false, system: true, reason: `failed to resolve external data: ${problem}`, log: `failed to get token for ${ref.registry}: ${problem}` };
    if (!getPath(values, 'oras.authProviders.azureWorkloadIdentityEnabled')) {
      const reason = `GET "https://${ref.registry}/v2/${ref.repo}/manifests/${ref.digest ?? ref.tag ?? 'latest'}": response status code 401: Unauthorized`;
      return { ok: false, system: true, reason, log: `ORAS store: anonymous access to ${ref.registry} (oras.authProviders.azureWorkloadIdentityEnabled is not set): ${reason}` };
    }
    const ident = identityFor(e.world, String(getPath(values, 'azureWorkloadIdentity.clientId')))!;
    if (!rbacAllows(e.world, String(ident.properties.principalId), 'acr/pull', registry.id, e.now, e.latency.ms('rbacPropagation'))) {
      const reason = `failed to resolve ${image}: GET "https://${ref.registry}/oauth2/token?scope=repository%3A${ref.repo}%3Apull&service=${ref.registry}": response status code 401: Unauthorized`;
      return { ok: false, system: true, reason, log: `${reason} (the Ratify identity has no AcrPull on ${registry.name})` };
    }
  }
  const subjectFailed = (log: string): Verdict => ({ ok: false, system: false, reason: `Subject failed verification: ${image}`, log });
  if (!registry) return subjectFailed(`verification failed for ${image}: referrers not found, Code: REFERRERS_NOT_FOUND`);
  const repo = e.world.registries[registry.name.toLowerCase()]?.repositories[ref.repo];
  const digest = ref.digest ?? (repo ? repo.tags[ref.tag ?? 'latest'] : undefined);
  const manifest = repo && digest ? repo.manifests[digest] : undefined;
  if (!manifest) return subjectFailed(`failed to resolve subject ${image}: manifest unknown, Code: GET_SUBJECT_DESCRIPTOR_FAILURE`);
  const kmp = kmpState(e, values);
  const tp = trustPolicyFor(values, `${ref.registry}/${ref.repo}`);
  if (manifest.signatures.length === 0) return subjectFailed(`verification failed: Error: no verifier report, Code: NO_VERIFIER_REPORT (no signature is attached to ${ref.registry}/${ref.repo}@${manifest.digest})`);
  if (tp.error) return subjectFailed(`VERIFY_REFERENCE_FAILURE: ${tp.error}`);
  const stores = tp.policy!.trustStores ?? [];
  if (!stores.some((s) => /:(azurekeyvault|kmprovider-akv)$/.test(s))) return subjectFailed(`VERIFY_REFERENCE_FAILURE: trust store(s) ${stores.join(', ')} hold no certificates (the Key Vault provider is "ca:azurekeyvault")`);
  if (!kmp.ok) return subjectFailed(`VERIFY_REFERENCE_FAILURE: key management provider kmprovider-akv failed: ${kmp.error}`);
  const identities = tp.policy!.trustedIdentities ?? [];
  for (const sig of manifest.signatures) {
    const cert = kmp.certs.find((c) => c.version.sha256Hex === sig.certSha256);
    if (!cert) return subjectFailed(`VERIFY_SIGNATURE_FAILURE: signature ${sig.digest} is not produced by a trusted signer (its certificate ${sig.certSha256.slice(0, 12)}... is not the current one in ${kmp.vaultName}; every signature must verify)`);
    if (cert.version.expires < e.now) return subjectFailed(`VERIFY_SIGNATURE_FAILURE: the signing certificate expired`);
    const trusted = identities.includes('*') || identities.some((id) => sameDn(id.replace(/^x509\.subject:\s*/, ''), sig.certSubject));
    if (!trusted) return subjectFailed(`VERIFY_SIGNATURE_FAILURE: signing certificate from the digital signature does not match the X.509 trusted identities ${JSON.stringify(identities)} defined in the trust policy "${tp.policy!.name}"`);
  }
  return { ok: true };
}
