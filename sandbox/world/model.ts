/**
 * The simulated world, as one JSON-serialisable object (persisted to <worldDir>/world.json).
 *
 * ARM resources are stored once, in their ARM shape (properties nested, ids as ARM returns
 * them), so the ARM endpoint serves them as they are and the fake `az` flattens them the way
 * the CLI does. State that is not an ARM resource (Key Vault
 * certificates, registry contents, kube objects, Helm releases) lives beside it, keyed by
 * the owning resource.
 */

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
  identity?: Record<string, unknown> | null;
  sku?: Record<string, unknown>;
  systemData?: Record<string, unknown>;
  /** Sandbox bookkeeping, never served (world ms timestamps). */
  meta?: { createdAt: number; [k: string]: unknown };
}

export interface Principal {
  objectId: string;
  /** 'User' | 'ServicePrincipal' (role assignment principalType). */
  type: 'User' | 'ServicePrincipal';
  displayName: string;
  /** UPN for users, appId (client id) for service principals. */
  name: string;
  appId?: string;
  /** Set for managed identities: the identity resource id. */
  identityId?: string;
  /** Entra ID groups the principal belongs to (object ids), e.g. a cluster's admin group. */
  groups?: string[];
}

export interface Subscription {
  id: string;
  name: string;
}

export interface CertVersion {
  version: string;
  created: number;
  expires: number;
  notBefore: number;
  subject: string;
  /** base64 DER, as `cer` prints it. */
  cer: string;
  sha1Hex: string;
  sha256Hex: string;
  enabled: boolean;
  policy: Record<string, unknown>;
}

export interface Certificate {
  name: string;
  versions: CertVersion[];
  tags: Record<string, string>;
  deletedAt?: number;
}

export interface VaultData {
  /** lower-case certificate name -> certificate (deleted ones keep `deletedAt`). */
  certificates: Record<string, Certificate>;
}

export interface DeletedVault {
  name: string;
  subscriptionId: string;
  location: string;
  vaultId: string;
  deletedAt: number;
  tags: Record<string, string>;
}

export interface Signature {
  digest: string;
  mediaType: string; // application/jose+json | application/cose
  certSha256: string;
  certSubject: string;
  certExpires: number;
  vaultName: string;
  certName: string;
  certVersion: string;
  signedAt: number;
}

export interface Manifest {
  digest: string;
  createdAt: number;
  size: number;
  signatures: Signature[];
  /** What was built: the source, for the run log and `acr manifest show-metadata`. */
  source?: string;
}

export interface Repository {
  name: string;
  createdAt: number;
  updatedAt: number;
  manifests: Record<string, Manifest>;
  tags: Record<string, string>;
}

export interface RegistryData {
  repositories: Record<string, Repository>;
  runCounter: number;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp: string;
    uid: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  /** Sandbox bookkeeping: world ms at which the object becomes ready / goes away. */
  sandbox?: { readyAt?: number; goneAt?: number; owner?: string; createdAt: number; reason?: string };
}

export interface HelmRelease {
  name: string;
  namespace: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  revision: number;
  status: string;
  description: string;
  firstDeployed: number;
  lastDeployed: number;
  /** The user-supplied values (helm status `config`). */
  config: Record<string, unknown>;
  notes: string;
}

export interface LogLine {
  at: number;
  /** e.g. 'gatekeeper-system/ratify', 'kube-system/azure-policy', 'gatekeeper-system/gatekeeper-controller' */
  source: string;
  text: string;
}

export interface KubeData {
  /** `${kind}/${namespace ?? ''}/${name}` -> object. */
  objects: Record<string, KubeObject>;
  releases: Record<string, HelmRelease>;
  logs: LogLine[];
}

export interface PolicySyncRecord {
  assignmentId: string;
  clusterId: string;
  /** World ms when the assignment was created / deleted (the add-on sees it a sync delay later). */
  createdAt: number;
  deletedAt?: number;
  /** The assignment as it was when deleted (the add-on keeps enforcing it until the next sync). */
  snapshot?: ArmResource;
}

export interface World {
  version: 1;
  /** HMAC key for the JWTs this world issues (so a leak is findable and tokens verifiable). */
  tokenKey: string;
  tenant: { id: string; domain: string; displayName: string };
  subscriptions: Record<string, Subscription>;
  defaultSubscription: string;
  user: Principal;
  /** Service principals (managed identities, kubelet identities) by object id. */
  principals: Record<string, Principal>;
  extensions: Record<string, string>;
  /** `${subscriptionId}/${namespace}` (lower) -> registration state. */
  providers: Record<string, string>;
  /** `${subscriptionId}/${namespace}/${feature}` (lower) -> state. */
  features: Record<string, string>;
  /** lower-case ARM id -> resource. Resource groups are resources too. */
  arm: Record<string, ArmResource>;
  /** lower-case vault name (names are global) -> data-plane state. */
  vaults: Record<string, VaultData>;
  deletedVaults: Record<string, DeletedVault>;
  /** lower-case registry name -> contents. */
  registries: Record<string, RegistryData>;
  /** lower-case cluster id -> kube state. */
  clusters: Record<string, KubeData>;
  policySync: PolicySyncRecord[];
  /** helm repositories, by helm repository-config key. */
  helmRepos: Record<string, Record<string, string>>;
  /** notation plugins and logins, by notation config key. */
  notation: Record<string, { plugins: Record<string, string>; logins: Record<string, string> }>;
  /** Answer sets already seeded (idempotent seeding). */
  seeded: string[];
  /** The simulated machine and tenant (--sandbox-tools, --sandbox-caller); absent in older worlds. */
  config?: WorldConfig;
}

export interface WorldConfig {
  /** What `helm version --template '{{.Version}}'` prints (default: sandbox/config.ts DEFAULT_HELM). */
  helm?: string;
  /** The roles the signed-in user holds on the subscriptions (default owner). */
  caller?: 'owner' | 'contributor';
  /** The Entra ID group that administers Entra ID clusters (created with the first one). */
  aksAdminGroup?: string;
}
