import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { selfSignedCert } from '../../tls.js';
import type { ToolError } from '../../tool-result.js';
import { kvVersion, sha256Hex } from '../../world/ids.js';
import type { Certificate, CertVersion } from '../../world/model.js';
import { bool, list, str, type Parsed } from '../args.js';
import { parseTags } from '../common.js';
import type { AzCtx } from '../context.js';
import { armError, cliError, usageError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { certView, tsSec, versionItem } from './certificate-views.js';
import { authorize, certificateKeysInUse, dataPlaneVault, latestVersion, vaultData } from './data-plane.js';
import { vaultUri } from './vault-resource.js';

/** `az keyvault certificate ...`: data-plane verbs, each authorized against the vault like Key Vault does. */

function certNotFound(name: string): ToolError {
  return armError(
    'CertificateNotFound',
    `A certificate with (name/id) ${name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    { status: 404 },
  );
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

export const certificateCommands: AzCommand[] = [
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
      const made = await selfSignedCert(x509.subject, validity, now, certificateKeysInUse(ctx.world));
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
