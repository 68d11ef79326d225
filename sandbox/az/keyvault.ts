import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { selfSignedCert } from '../tls.js';
import { ToolError } from '../tool-result.js';
import { kvVersion, pyIso, sha256Hex } from '../world/ids.js';
import type { ArmResource, Certificate, CertVersion, VaultData } from '../world/model.js';
import { vaultAllows, type Perm } from '../world/rbac.js';
import { deleteResource, flatten, listByType, putResource, resourceId } from '../world/resources.js';
import { bool, list, str, type Parsed } from './args.js';
import { createdBy, parseTags, requireRg } from './common.js';
import type { AzCtx } from './context.js';
import { armError, cliError, resourceNotFound, usageError } from './errors.js';
import type { AzCommand } from './registry.js';
import { createHash } from 'node:crypto';

/** Key Vault management plane and certificates, with az 2.x's output shapes. */

const ALL_PERMS = {
  keys: [
    'Get',
    'List',
    'Update',
    'Create',
    'Import',
    'Delete',
    'Recover',
    'Backup',
    'Restore',
    'GetRotationPolicy',
    'SetRotationPolicy',
    'Rotate',
  ],
  secrets: ['Get', 'List', 'Set', 'Delete', 'Recover', 'Backup', 'Restore'],
  certificates: [
    'Get',
    'List',
    'Update',
    'Create',
    'Import',
    'Delete',
    'Recover',
    'Backup',
    'Restore',
    'ManageContacts',
    'ManageIssuers',
    'GetIssuers',
    'ListIssuers',
    'SetIssuers',
    'DeleteIssuers',
  ],
  storage: ['all'],
};

export const vaultUri = (name: string): string => `https://${name.toLowerCase()}.vault.azure.net/`;

export function findVault(ctx: AzCtx, name: string, rg?: string): ArmResource | undefined {
  return listByType(ctx.world, 'Microsoft.KeyVault/vaults', ctx.sub.id).find(
    (v) =>
      v.name.toLowerCase() === name.toLowerCase() &&
      (rg === undefined || v.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`)),
  );
}

/** Any subscription: vault names are global and the data plane finds a vault by DNS name. */
export function findVaultGlobal(ctx: { world: AzCtx['world'] }, name: string): ArmResource | undefined {
  return listByType(ctx.world, 'Microsoft.KeyVault/vaults').find((v) => v.name.toLowerCase() === name.toLowerCase());
}

/** Management-plane lookup: `-g` given -> 404 (exit 3); no `-g` -> the validator's CLIError (exit 1). */
function requireVault(ctx: AzCtx, name: string | undefined, rg: string | undefined): ArmResource {
  if (!name) throw cliError(`The HSM 'None' not found within subscription.`);
  const v = findVault(ctx, name, rg);
  if (v) return v;
  if (rg) {
    requireRg(ctx, rg);
    throw resourceNotFound('Microsoft.KeyVault/vaults', name, rg);
  }
  throw cliError(`The Vault '${name}' not found within subscription.`);
}

const vaultView = (v: ArmResource): Record<string, unknown> => flatten(v, { keepProperties: true });

function kvError(code: string, message: string, inner: string): ToolError {
  return armError(code, message, { inner });
}

/** What the Key Vault data plane answers a caller without the permission (RBAC or policy). */
export function kvForbidden(ctx: AzCtx, vault: ArmResource, perm: Perm, objectPath: string): ToolError {
  const props = vault.properties as { enableRbacAuthorization?: boolean };
  const [kind, op] = perm.split('/') as [string, string];
  const caller = `appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${ctx.caller.objectId};iss=https://sts.windows.net/${ctx.world.tenant.id}/`;
  if (props.enableRbacAuthorization) {
    const action =
      perm === 'keys/sign'
        ? 'Microsoft.KeyVault/vaults/keys/sign/action'
        : perm === 'secrets/get'
          ? 'Microsoft.KeyVault/vaults/secrets/getSecret/action'
          : `Microsoft.KeyVault/vaults/${kind}/${op === 'get' ? 'read' : op + '/action'}`;
    const msg =
      `Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\n` +
      `Caller: ${caller}\nAction: '${action}'\nResource: '${vault.id.toLowerCase()}/${objectPath}'\nAssignment: (not found)\nDenyAssignmentId: null\nDecisionReason: null \nVault: ${vault.name};location=${vault.location}\n`;
    return kvError('Forbidden', msg, 'ForbiddenByRbac');
  }
  return kvError(
    'Forbidden',
    `The user, group or application '${caller}' does not have ${kind} ${op} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    'AccessDenied',
  );
}

/** Data-plane vault lookup by name (DNS): a missing vault is a name-resolution failure. */
export function dataPlaneVault(ctx: AzCtx, name: string, path: string): ArmResource {
  const v = findVaultGlobal(ctx, name);
  if (!v) {
    throw new ToolError(
      `ERROR: HTTPSConnectionPool(host='${name.toLowerCase()}.vault.azure.net', port=443): Max retries exceeded with url: /${path}?api-version=7.4 (Caused by NameResolutionError("<urllib3.connection.HTTPSConnection object>: Failed to resolve '${name.toLowerCase()}.vault.azure.net' ([Errno -2] Name or service not known)"))\n`,
      1,
    );
  }
  return v;
}

function authorize(ctx: AzCtx, vault: ArmResource, perm: Perm, objectPath: string): void {
  if (!vaultAllows(ctx.world, vault, ctx.caller.objectId, perm, ctx.now(), ctx.latency.ms('rbacPropagation')))
    throw kvForbidden(ctx, vault, perm, objectPath);
}

export const vaultData = (ctx: { world: AzCtx['world'] }, name: string): VaultData =>
  (ctx.world.vaults[name.toLowerCase()] ??= { certificates: {} });

export const latestVersion = (c: Certificate): CertVersion | undefined => c.versions[c.versions.length - 1];

function certNotFound(name: string): ToolError {
  return armError(
    'CertificateNotFound',
    `A certificate with (name/id) ${name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    { status: 404 },
  );
}

const tsSec = (ms: number): string => pyIso(Math.floor(ms / 1000) * 1000).replace('.000000', '');

function attributes(v: CertVersion): Record<string, unknown> {
  return {
    created: tsSec(v.created),
    enabled: v.enabled,
    expires: tsSec(v.expires),
    notBefore: tsSec(v.notBefore),
    recoveryLevel: 'Recoverable+Purgeable',
    updated: tsSec(v.created),
  };
}

function thumb(v: CertVersion): { x509Thumbprint: string; x509ThumbprintHex: string } {
  return { x509Thumbprint: Buffer.from(v.sha1Hex, 'hex').toString('base64'), x509ThumbprintHex: v.sha1Hex.toUpperCase() };
}

export function certView(vaultName: string, c: Certificate, v: CertVersion): Record<string, unknown> {
  const base = vaultUri(vaultName);
  return {
    attributes: attributes(v),
    cer: v.cer,
    contentType: (v.policy.secretProperties as { contentType?: string } | undefined)?.contentType ?? 'application/x-pkcs12',
    id: `${base}certificates/${c.name}/${v.version}`,
    kid: `${base}keys/${c.name}/${v.version}`,
    name: c.name,
    policy: {
      attributes: { created: tsSec(v.created), enabled: true, updated: tsSec(v.created) },
      id: `${base}certificates/${c.name}/policy`,
      ...v.policy,
    },
    sid: `${base}secrets/${c.name}/${v.version}`,
    tags: c.tags,
    ...thumb(v),
  };
}

function versionItem(vaultName: string, c: Certificate, v: CertVersion): Record<string, unknown> {
  return {
    attributes: attributes(v),
    id: `${vaultUri(vaultName)}certificates/${c.name}/${v.version}`,
    name: c.name,
    subject: '',
    tags: c.tags,
    ...thumb(v),
  };
}

function normalisePolicy(raw: Record<string, unknown>): Record<string, unknown> {
  const issuer = { certificateTransparency: null, certificateType: null, ...(raw.issuerParameters as object) };
  const key = { curve: null, exportable: false, keySize: 2048, keyType: 'RSA', reuseKey: true, ...(raw.keyProperties as object) };
  const x509 = {
    ekus: null,
    keyUsage: null,
    subjectAlternativeNames: null,
    validityInMonths: 12,
    ...(raw.x509CertificateProperties as object),
  };
  return {
    issuerParameters: issuer,
    keyProperties: key,
    lifetimeActions: raw.lifetimeActions ?? [
      { action: { actionType: 'AutoRenew' }, trigger: { daysBeforeExpiry: 90, lifetimePercentage: null } },
    ],
    secretProperties: { contentType: 'application/x-pkcs12', ...(raw.secretProperties as object) },
    x509CertificateProperties: x509,
  };
}

function readPolicy(ctx: AzCtx, value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = ctx.readFile(value.slice(1));
    } catch {
      throw cliError(`[Errno 2] No such file or directory: '${value.slice(1)}'`);
    }
  }
  try {
    const p = JSON.parse(text) as unknown;
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('not an object');
    return p as Record<string, unknown>;
  } catch {
    throw cliError(`Failed to parse string as JSON:\n${text}\nError detail: Expecting value: line 1 column 1 (char 0)`);
  }
}

function listCerts(ctx: AzCtx, vaultName: string): Certificate[] {
  return Object.values(vaultData(ctx, vaultName).certificates).filter((c) => c.deletedAt === undefined);
}

function requireCert(ctx: AzCtx, vaultName: string, name: string): Certificate {
  const c = vaultData(ctx, vaultName).certificates[name.toLowerCase()];
  if (!c || c.deletedAt !== undefined || c.versions.length === 0) throw certNotFound(name);
  return c;
}

/** `--id https://kv.vault.azure.net/certificates/name[/version]` or `--vault-name` + `-n`. */
function certRef(a: Parsed): { vault: string; name: string; version?: string } {
  const id = str(a, 'id');
  if (id) {
    const m = /^https:\/\/([^.]+)\.vault\.azure\.net\/(?:certificates|deletedcertificates)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(id);
    if (!m) throw cliError(`Invalid certificate id: ${id}`);
    return { vault: m[1]!, name: m[2]!, ...(m[3] ? { version: m[3] } : {}) };
  }
  const vault = str(a, 'vaultName');
  const name = str(a, 'name');
  if (!vault || !name) throw usageError('usage error: --id ID | --vault-name VAULT --name NAME [--version VERSION]');
  const version = str(a, 'version');
  return { vault, name, ...(version ? { version } : {}) };
}

type CertRef = ReturnType<typeof certRef>;

/** A data-plane read of one certificate version (latest by default), authorized like Key Vault does. */
function readCertVersion(ctx: AzCtx, a: Parsed, notFoundName: (ref: CertRef) => string): { ref: CertRef; c: Certificate; v: CertVersion } {
  const ref = certRef(a);
  const vault = dataPlaneVault(ctx, ref.vault, `certificates/${ref.name}`);
  authorize(ctx, vault, 'certificates/get', `certificates/${ref.name}`);
  const c = requireCert(ctx, ref.vault, ref.name);
  const v = ref.version ? c.versions.find((x) => x.version === ref.version) : latestVersion(c);
  if (!v) throw certNotFound(notFoundName(ref));
  return { ref, c, v };
}

const CERT_REF_ARGS = [{ names: '--name -n' }, { names: '--vault-name' }, { names: '--version -v' }, { names: '--id' }];

export const keyvaultCommands: AzCommand[] = [
  {
    path: 'keyvault create',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g', required: true },
      { names: '--location -l' },
      { names: '--enable-rbac-authorization', kind: 'bool' },
      { names: '--sku' },
      { names: '--tags', kind: 'list' },
      { names: '--retention-days' },
      { names: '--enable-purge-protection', kind: 'bool' },
      { names: '--public-network-access' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: async (ctx, a) => {
      const name = str(a, 'name')!;
      const rg = requireRg(ctx, str(a, 'resourceGroup')!);
      const deleted = ctx.world.deletedVaults[name.toLowerCase()];
      if (deleted) {
        if (deleted.subscriptionId === ctx.sub.id) {
          throw armError(
            'ConflictError',
            'A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.',
          );
        }
        throw vaultNameInUse(name);
      }
      const other = findVaultGlobal(ctx, name);
      if (other && other.id.toLowerCase() !== resourceId(ctx.sub.id, rg.name, 'Microsoft.KeyVault', 'vaults', name).toLowerCase())
        throw vaultNameInUse(name);
      await ctx.clock.sleep(ctx.latency.ms('vaultCreate'));
      const now = ctx.now();
      // CLI >= 2.61 defaults --enable-rbac-authorization to true (Azure/azure-cli#29268). The
      // create is an ARM PUT: re-running it on an existing vault replaces its access policies
      // with the caller's (Azure/azure-cli#7608, #13212).
      const rbac = bool(a, 'enableRbacAuthorization') ?? true;
      const res: ArmResource = {
        id: other?.id ?? resourceId(ctx.sub.id, rg.name, 'Microsoft.KeyVault', 'vaults', name),
        name: other?.name ?? name,
        type: 'Microsoft.KeyVault/vaults',
        location: str(a, 'location') ?? rg.location ?? 'eastus',
        tags: parseTags(list(a, 'tags')),
        properties: {
          accessPolicies: rbac
            ? []
            : [{ applicationId: null, objectId: ctx.caller.objectId, permissions: ALL_PERMS, tenantId: ctx.world.tenant.id }],
          createMode: null,
          enablePurgeProtection: bool(a, 'enablePurgeProtection') ?? null,
          enableRbacAuthorization: rbac,
          enableSoftDelete: true,
          enabledForDeployment: false,
          enabledForDiskEncryption: null,
          enabledForTemplateDeployment: null,
          hsmPoolResourceId: null,
          networkAcls: null,
          privateEndpointConnections: null,
          provisioningState: 'Succeeded',
          publicNetworkAccess: str(a, 'publicNetworkAccess') ?? 'Enabled',
          sku: { family: 'A', name: str(a, 'sku') ?? 'standard' },
          softDeleteRetentionInDays: Number(str(a, 'retentionDays') ?? 90),
          tenantId: ctx.world.tenant.id,
          vaultUri: vaultUri(name),
        },
        systemData: createdBy(ctx, now),
        meta: { createdAt: other?.meta?.createdAt ?? now },
      };
      putResource(ctx.world, res);
      vaultData(ctx, name);
      ctx.markDirty();
      return vaultView(res);
    },
  },
  {
    path: 'keyvault show',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--hsm-name' }],
    run: (ctx, a) => vaultView(requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'))),
  },
  {
    path: 'keyvault list',
    args: [{ names: '--resource-group -g' }, { names: '--resource-type' }],
    run: (ctx, a) => {
      const rg = str(a, 'resourceGroup');
      if (rg) requireRg(ctx, rg);
      return listByType(ctx.world, 'Microsoft.KeyVault/vaults', ctx.sub.id)
        .filter((v) => !rg || v.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`))
        .map((v) => ({
          id: v.id,
          location: v.location,
          name: v.name,
          resourceGroup: flatten(v).resourceGroup,
          tags: v.tags,
          type: v.type,
        }));
    },
  },
  {
    path: 'keyvault list-deleted',
    args: [{ names: '--resource-type' }],
    run: (ctx) =>
      Object.values(ctx.world.deletedVaults)
        .filter((d) => d.subscriptionId === ctx.sub.id)
        .map((d) => ({
          id: `/subscriptions/${d.subscriptionId}/providers/Microsoft.KeyVault/locations/${d.location}/deletedVaults/${d.name}`,
          name: d.name,
          properties: {
            deletionDate: pyIso(d.deletedAt),
            location: d.location,
            purgeProtectionEnabled: null,
            scheduledPurgeDate: pyIso(d.deletedAt + 90 * 86400_000),
            tags: d.tags,
            vaultId: d.vaultId,
          },
          type: 'Microsoft.KeyVault/deletedVaults',
        })),
  },
  {
    path: 'keyvault delete',
    args: [{ names: '--name -n' }, { names: '--resource-group -g' }, { names: '--no-wait', kind: 'flag' }],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      ctx.stderrRaw(
        'Warning! If you have soft-delete protection enabled on this key vault, you will not be able to reuse this key vault name until the key vault has been purged from the soft deleted state. Please see the following documentation for additional guidance.\nhttps://learn.microsoft.com/azure/key-vault/general/soft-delete-overview\n',
      );
      ctx.world.deletedVaults[v.name.toLowerCase()] = {
        name: v.name,
        subscriptionId: ctx.sub.id,
        location: v.location ?? 'eastus',
        vaultId: v.id,
        deletedAt: ctx.now(),
        tags: v.tags ?? {},
      };
      deleteResource(ctx.world, v.id);
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'keyvault purge',
    args: [{ names: '--name -n', required: true }, { names: '--location -l' }, { names: '--no-wait', kind: 'flag' }],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      const d = ctx.world.deletedVaults[name.toLowerCase()];
      if (!d || d.subscriptionId !== ctx.sub.id) throw cliError(`No deleted Vault or HSM was found with name ${name}`);
      delete ctx.world.deletedVaults[name.toLowerCase()];
      delete ctx.world.vaults[name.toLowerCase()];
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'keyvault recover',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--location -l' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const name = str(a, 'name')!;
      const d = ctx.world.deletedVaults[name.toLowerCase()];
      if (!d || d.subscriptionId !== ctx.sub.id) throw cliError(`No deleted Vault or HSM was found with name ${name}`);
      throw cliError(`Recovering vault '${d.name}' is not supported by the sandbox; purge it instead (az keyvault purge -n ${d.name}).`);
    },
  },
  {
    path: 'keyvault set-policy',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--object-id' },
      { names: '--upn' },
      { names: '--spn' },
      { names: '--application-id' },
      { names: '--key-permissions', kind: 'list' },
      { names: '--secret-permissions', kind: 'list' },
      { names: '--certificate-permissions', kind: 'list' },
      { names: '--storage-permissions', kind: 'list' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      const props = v.properties as {
        enableRbacAuthorization?: boolean;
        accessPolicies: { objectId: string; permissions: Record<string, string[] | null>; applicationId: null; tenantId: string }[];
      };
      // azure-cli keyvault/custom.py set_policy refuses RBAC vaults with this text.
      if (props.enableRbacAuthorization) throw cliError("Cannot set policies to a vault with '--enable-rbac-authorization' specified");
      const oid = resolveObjectId(ctx, a);
      let p = props.accessPolicies.find((x) => x.objectId === oid);
      if (!p) {
        p = {
          applicationId: null,
          objectId: oid,
          permissions: { certificates: null, keys: null, secrets: null, storage: null },
          tenantId: ctx.world.tenant.id,
        };
        props.accessPolicies.push(p);
      }
      for (const [kind, arg] of [
        ['keys', 'keyPermissions'],
        ['secrets', 'secretPermissions'],
        ['certificates', 'certificatePermissions'],
        ['storage', 'storagePermissions'],
      ] as const) {
        const vals = list(a, arg);
        if (vals) p.permissions[kind] = vals;
      }
      ctx.markDirty();
      return vaultView(v);
    },
  },
  {
    path: 'keyvault delete-policy',
    args: [
      { names: '--name -n', required: true },
      { names: '--resource-group -g' },
      { names: '--object-id' },
      { names: '--upn' },
      { names: '--spn' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      const props = v.properties as { enableRbacAuthorization?: boolean; accessPolicies: { objectId: string }[] };
      if (props.enableRbacAuthorization) throw cliError("Cannot set policies to a vault with '--enable-rbac-authorization' specified");
      const oid = resolveObjectId(ctx, a);
      props.accessPolicies = props.accessPolicies.filter((x) => x.objectId !== oid);
      ctx.markDirty();
      return vaultView(v);
    },
  },
  {
    path: 'keyvault certificate create',
    args: [
      { names: '--name -n', required: true },
      { names: '--vault-name', required: true },
      { names: '--policy -p', required: true },
      { names: '--disabled', kind: 'bool' },
      { names: '--tags', kind: 'list' },
      { names: '--validity' },
    ],
    run: async (ctx, a) => {
      const name = str(a, 'name')!;
      const vaultName = str(a, 'vaultName')!;
      const vault = dataPlaneVault(ctx, vaultName, `certificates/${name}/create`);
      authorize(ctx, vault, 'certificates/create', `certificates/${name}`);
      const data = vaultData(ctx, vaultName);
      const existing = data.certificates[name.toLowerCase()];
      if (existing?.deletedAt !== undefined) {
        throw armError(
          'Conflict',
          `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
          { inner: 'ObjectIsDeletedButRecoverable' },
        );
      }
      const policy = normalisePolicy(readPolicy(ctx, str(a, 'policy')!));
      const x509 = policy.x509CertificateProperties as { subject?: string; validityInMonths: number };
      if (!x509.subject) throw armError('BadParameter', 'Property x509CertificateProperties.subject is required.');
      const issuer = String((policy.issuerParameters as { name?: string }).name ?? 'Self');
      await ctx.clock.sleep(ctx.latency.ms('certCreate'));
      const now = ctx.now();
      const op = {
        cancellationRequested: false,
        csr:
          'MIICr' +
          createHash('sha256')
            .update(name + now)
            .digest('base64')
            .replace(/=+$/, ''),
        error: null,
        id: `${vaultUri(vaultName)}certificates/${name}/pending`,
        issuerParameters: policy.issuerParameters,
        name,
        requestId: kvVersion(),
        status: 'completed',
        statusDetails: null,
        target: `${vaultUri(vaultName)}certificates/${name}`,
      };
      if (issuer.toLowerCase() === 'unknown') {
        return { ...op, status: 'inProgress', statusDetails: 'Pending certificate created. Please Perform Merge to complete the request.' };
      }
      // Every create makes a new version with a new key (docs/errata.md#certificate-new-version).
      const validity = Number(str(a, 'validity') ?? x509.validityInMonths ?? 12);
      const made = await selfSignedCert(x509.subject, validity, now);
      const der = Buffer.from(made.derB64, 'base64');
      const version: CertVersion = {
        version: kvVersion(),
        created: now,
        expires: made.expires,
        notBefore: made.notBefore,
        subject: x509.subject,
        cer: made.derB64,
        sha1Hex: createHash('sha1').update(der).digest('hex'),
        sha256Hex: sha256Hex(der),
        enabled: !(bool(a, 'disabled') ?? false),
        policy,
      };
      const cert: Certificate = existing ?? { name, versions: [], tags: {} };
      cert.versions.push(version);
      if (list(a, 'tags')) cert.tags = parseTags(list(a, 'tags'));
      data.certificates[name.toLowerCase()] = cert;
      ctx.markDirty();
      return op;
    },
  },
  {
    path: 'keyvault certificate show',
    args: CERT_REF_ARGS,
    run: (ctx, a) => {
      const { ref, c, v } = readCertVersion(ctx, a, (r) => `${r.name}/versions/${r.version}`);
      return certView(ref.vault, c, v);
    },
  },
  {
    path: 'keyvault certificate list',
    args: [{ names: '--vault-name', required: true }, { names: '--maxresults' }, { names: '--include-pending', kind: 'bool' }],
    run: (ctx, a) => {
      const vaultName = str(a, 'vaultName')!;
      const vault = dataPlaneVault(ctx, vaultName, 'certificates');
      authorize(ctx, vault, 'certificates/list', 'certificates');
      return listCerts(ctx, vaultName)
        .map((c) => versionItem(vaultName, c, latestVersion(c)!))
        .map((x) => ({ ...x, id: String(x.id).replace(/\/[0-9a-f]{32}$/, '') }));
    },
  },
  {
    path: 'keyvault certificate list-versions',
    args: [{ names: '--name -n' }, { names: '--vault-name' }, { names: '--id' }, { names: '--maxresults' }],
    run: (ctx, a) => {
      const ref = certRef(a);
      const vault = dataPlaneVault(ctx, ref.vault, `certificates/${ref.name}/versions`);
      authorize(ctx, vault, 'certificates/list', `certificates/${ref.name}`);
      const c = vaultData(ctx, ref.vault).certificates[ref.name.toLowerCase()];
      if (!c || c.deletedAt !== undefined) return [];
      return c.versions.map((v) => versionItem(ref.vault, c, v));
    },
  },
  {
    path: 'keyvault certificate list-deleted',
    args: [{ names: '--vault-name', required: true }, { names: '--maxresults' }],
    run: (ctx, a) => {
      const vaultName = str(a, 'vaultName')!;
      const vault = dataPlaneVault(ctx, vaultName, 'deletedcertificates');
      authorize(ctx, vault, 'certificates/list', 'deletedcertificates');
      return Object.values(vaultData(ctx, vaultName).certificates)
        .filter((c) => c.deletedAt !== undefined)
        .map((c) => ({
          ...versionItem(vaultName, c, latestVersion(c)!),
          deletedDate: tsSec(c.deletedAt!),
          recoveryId: `${vaultUri(vaultName)}deletedcertificates/${c.name}`,
          scheduledPurgeDate: tsSec(c.deletedAt! + 90 * 86400_000),
        }));
    },
  },
  {
    path: 'keyvault certificate delete',
    args: [{ names: '--name -n' }, { names: '--vault-name' }, { names: '--id' }],
    run: (ctx, a) => {
      const ref = certRef(a);
      const vault = dataPlaneVault(ctx, ref.vault, `certificates/${ref.name}`);
      authorize(ctx, vault, 'certificates/delete', `certificates/${ref.name}`);
      const c = requireCert(ctx, ref.vault, ref.name);
      ctx.stderrRaw(
        'Warning! If you have soft-delete protection enabled on this key vault, this certificate will be moved to the soft deleted state. You will not be able to create a certificate with the same name within this key vault until the certificate has been purged from the soft-deleted state. Please see the following documentation for additional guidance.\nhttps://learn.microsoft.com/azure/key-vault/general/soft-delete-overview\n',
      );
      c.deletedAt = ctx.now();
      ctx.markDirty();
      return {
        ...certView(ref.vault, c, latestVersion(c)!),
        deletedDate: tsSec(c.deletedAt),
        recoveryId: `${vaultUri(ref.vault)}deletedcertificates/${c.name}`,
        scheduledPurgeDate: tsSec(c.deletedAt + 90 * 86400_000),
      };
    },
  },
  {
    path: 'keyvault certificate purge',
    args: [{ names: '--name -n' }, { names: '--vault-name' }, { names: '--id' }],
    run: (ctx, a) => {
      const ref = certRef(a);
      const vault = dataPlaneVault(ctx, ref.vault, `deletedcertificates/${ref.name}`);
      authorize(ctx, vault, 'certificates/purge', `deletedcertificates/${ref.name}`);
      const data = vaultData(ctx, ref.vault);
      const c = data.certificates[ref.name.toLowerCase()];
      if (!c || c.deletedAt === undefined) {
        throw armError('CertificateNotFound', `Deleted Certificate not found: ${ref.name}`, { status: 404 });
      }
      delete data.certificates[ref.name.toLowerCase()];
      ctx.markDirty();
      return null;
    },
  },
  {
    path: 'keyvault certificate download',
    args: [...CERT_REF_ARGS, { names: '--file -f', required: true }, { names: '--encoding -e', choices: ['PEM', 'DER'] }],
    run: (ctx, a) => {
      const { v } = readCertVersion(ctx, a, (r) => r.name);
      const file = resolve(ctx.cwd, str(a, 'file')!);
      if (existsSync(file)) throw cliError(`File or directory named '${str(a, 'file')}' already exists.`);
      if ((str(a, 'encoding') ?? 'PEM') === 'DER') writeFileSync(file, Buffer.from(v.cer, 'base64'));
      else writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${(v.cer.match(/.{1,76}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`);
      return null;
    },
  },
];

function vaultNameInUse(name: string): ToolError {
  return armError(
    'VaultAlreadyExists',
    `The vault name '${name}' is already in use. Vault names are globaly unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
  );
}

function resolveObjectId(ctx: AzCtx, a: Parsed): string {
  const oid = str(a, 'objectId');
  if (oid) return oid;
  const upn = str(a, 'upn');
  if (upn) {
    if (upn.toLowerCase() === ctx.world.user.name.toLowerCase()) return ctx.world.user.objectId;
    throw cliError('Unable to get object id from principal name.');
  }
  const spn = str(a, 'spn');
  if (spn) {
    const p = Object.values(ctx.world.principals).find((x) => x.appId === spn);
    if (p) return p.objectId;
    throw cliError('Unable to get object id from principal name.');
  }
  throw cliError('usage error: --object-id OBJECT_ID | --upn UPN | --spn SPN');
}
