import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { latestVersion, vaultData } from '../az/keyvault/data-plane.js';
import { verifyJwt } from '../jwt.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import { iso, newDigest } from '../world/ids.js';
import type { ArmResource, Manifest, Signature } from '../world/model.js';
import { rbacAllows, vaultAllows, type Perm } from '../world/rbac.js';
import { listByType } from '../world/resources.js';
import { splitFlag } from '../split-flag.js';

/**
 * notation v1.3.2 with the azure-kv plugin v1.2.1, as they print. Registry
 * credentials come from NOTATION_USERNAME/NOTATION_PASSWORD (the password is the token from
 * `az acr login --expose-token`) or a `notation login`; the plugin signs as the az user.
 */
const PLUGIN_RELEASES: Record<string, { version: string; sha256: string }> = {
  'https://github.com/Azure/notation-azure-kv/releases/download/v1.2.1/notation-azure-kv_1.2.1_linux_amd64.tar.gz': {
    version: '1.2.1',
    sha256: '67c5ccaaf28dd44d2b6572684d84e344a02c2258af1d65ead3910b3156d3eaf5',
  },
  'https://github.com/Azure/notation-azure-kv/releases/download/v1.2.1/notation-azure-kv_1.2.1_linux_arm64.tar.gz': {
    version: '1.2.1',
    sha256: '77bbdfb785e22f8b1cae46392200a453a428009c4450a8dc86e10551cc06f28e',
  },
  'https://github.com/Azure/notation-azure-kv/releases/download/v1.2.1/notation-azure-kv_1.2.1_darwin_amd64.tar.gz': {
    version: '1.2.1',
    sha256: '4c360d362a9448b46f98046257d5b270b2c5b1beb04c14263e59cead898902c9',
  },
  'https://github.com/Azure/notation-azure-kv/releases/download/v1.2.1/notation-azure-kv_1.2.1_darwin_arm64.tar.gz': {
    version: '1.2.1',
    sha256: 'bf6e07fdf309c194c99870c8a2a326fa14f9f7572fcf61948d1fcb3249ab3285',
  },
};

const fail = (msg: string): ToolError => new ToolError(`Error: ${msg}\n`, 1);
const ok = (stdout: string, stderr = ''): ToolResult => ({ stdout, stderr, exitCode: 0 });

function configKey(t: ToolContext): string {
  return t.env.XDG_CONFIG_HOME ?? (t.env.HOME ? `${t.env.HOME}/.config` : 'default');
}

/**
 * The sandbox ships its own notation, so it ships the plugin too: every notation config starts
 * with azure-kv 1.2.1 installed (there is nothing to download offline). `plugin uninstall`
 * and `plugin install` still work on it.
 */
function state(t: ToolContext): { plugins: Record<string, string>; logins: Record<string, string> } {
  return (t.world.notation[configKey(t)] ??= { plugins: { 'azure-kv': '1.2.1' }, logins: {} });
}

interface Parsed {
  args: string[];
  flags: Map<string, string>;
  pluginConfig: Record<string, string>;
}

const VALUE = new Set([
  '--id',
  '--plugin',
  '--key',
  '-k',
  '--plugin-config',
  '--signature-format',
  '-o',
  '--output',
  '--url',
  '--sha256sum',
  '--file',
  '-u',
  '--username',
  '-p',
  '--password',
  '--max-signatures',
  '--timestamp-url',
  '--timestamp-root-cert',
  '--expiry',
  '-e',
  '--user-metadata',
  '-m',
]);
const BOOL = new Set([
  '--force',
  '--password-stdin',
  '--insecure-registry',
  '--force-referrers-tag',
  '--allow-referrers-api',
  '-d',
  '--debug',
  '-v',
  '--verbose',
  '--yes',
  '-y',
  '--oci-layout',
]);

function parse(argv: readonly string[]): Parsed {
  const args: string[] = [];
  const flags = new Map<string, string>();
  const pluginConfig: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    const { name, value: inline } = splitFlag(a);
    let value = inline;
    const canon =
      (
        {
          '-k': '--key',
          '-o': '--output',
          '-u': '--username',
          '-p': '--password',
          '-e': '--expiry',
          '-m': '--user-metadata',
          '-y': '--yes',
        } as Record<string, string>
      )[name] ?? name;
    if (VALUE.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw fail(`flag needs an argument: ${name}`);
      }
      if (canon === '--plugin-config') {
        const e2 = value.indexOf('=');
        if (e2 <= 0) throw fail(`could not parse flag plugin-config: "${value}" is not a valid key-value pair`);
        pluginConfig[value.slice(0, e2)] = value.slice(e2 + 1);
      } else flags.set(canon, value);
    } else if (BOOL.has(name)) flags.set(canon, value ?? 'true');
    else throw fail(`unknown flag: ${name}`);
  }
  return { args, flags, pluginConfig };
}

interface Resolved {
  registry: ArmResource;
  loginServer: string;
  repo: string;
  manifest: Manifest;
  byTag?: string;
}

function resolveRef(t: ToolContext, ref: string): Resolved {
  const m = /^([^/]+)\/([^@:]+(?:\/[^@:]+)*)(?::([^@]+))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  if (!m || (!m[3] && !m[4]))
    throw fail(`"${ref}": invalid reference: no tag or digest. Expecting <registry>/<repo>:<tag> or <registry>/<repo>@<digest>`);
  const [, host, repoName, tag, digest] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const registry = listByType(t.world, 'Microsoft.ContainerRegistry/registries').find(
    (r) => String(r.properties.loginServer).toLowerCase() === host.toLowerCase(),
  );
  const head = `HEAD "https://${host}/v2/${repoName}/manifests/${digest ?? tag}"`;
  if (!registry) throw fail(`failed to get manifest descriptor: ${head}: dial tcp: lookup ${host}: no such host`);
  // Registry credentials: the environment, else a `notation login`.
  const user = t.env.NOTATION_USERNAME;
  const password = t.env.NOTATION_PASSWORD ?? state(t).logins[host.toLowerCase()];
  const claims = password ? verifyJwt(password, t.world.tokenKey, t.clock.now()) : undefined;
  const okUser = user === undefined || user === '00000000-0000-0000-0000-000000000000';
  if (
    !claims ||
    !okUser ||
    String(claims.aud).toLowerCase() !== host.toLowerCase() ||
    !rbacAllows(t.world, claims.oid, 'acr/pull', registry.id, t.clock.now(), 0)
  ) {
    throw fail(`failed to get manifest descriptor: ${head}: response status code 401: Unauthorized`);
  }
  const repo = t.world.registries[registry.name.toLowerCase()]?.repositories[repoName];
  const d = digest ?? (repo ? repo.tags[tag!] : undefined);
  const manifest = repo && d ? repo.manifests[d] : undefined;
  if (!manifest) throw fail(`failed to get manifest descriptor: ${host}/${repoName}${digest ? '@' + digest : ':' + tag}: not found`);
  if (digest && tag && repo!.tags[tag] !== digest)
    throw fail(`user input digest ${digest} does not match the resolved digest ${repo!.tags[tag]}`);
  return { registry, loginServer: host, repo: repoName, manifest, ...(digest ? {} : { byTag: tag! }) };
}

const tagWarning = (verb: string, r: Resolved): string =>
  verb === 'sign'
    ? `Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:${r.byTag}) because tags are mutable and a tag reference can point to a different artifact than the one signed.\n`
    : `Warning: Always ${verb} the artifact using digest(@sha256:...) rather than a tag(:${r.byTag}) because resolved digest may not point to the same signed artifact, as tags are mutable.\n`;

function pluginError(msg: string): ToolError {
  return fail(`failed to sign with the plugin azure-kv: ${msg}`);
}

function kvForbidden(vault: ArmResource, perm: Perm): string {
  const rbac = (vault.properties as { enableRbacAuthorization?: boolean }).enableRbacAuthorization;
  const [kind, op] = perm.split('/') as [string, string];
  if (rbac) {
    const action =
      perm === 'keys/sign'
        ? 'Microsoft.KeyVault/vaults/keys/sign/action'
        : perm === 'secrets/get'
          ? 'Microsoft.KeyVault/vaults/secrets/getSecret/action'
          : `Microsoft.KeyVault/vaults/${kind}/read`;
    return `Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\nAction: '${action}'\nVault: ${vault.name};location=${vault.location}`;
  }
  return `The user, group or application does not have ${kind} ${op} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`;
}

async function sign(t: ToolContext, p: Parsed): Promise<ToolResult> {
  const id = p.flags.get('--id');
  const plugin = p.flags.get('--plugin');
  if (id !== undefined && plugin === undefined)
    throw fail('if any flags in the group [id plugin] are set they must all be set; missing [plugin]');
  if (plugin !== undefined && id === undefined)
    throw fail('if any flags in the group [id plugin] are set they must all be set; missing [id]');
  if (id === undefined && !p.flags.get('--key'))
    throw fail('default signing key not set. Please set default signing key or specify a key name');
  if (p.flags.get('--key') && id !== undefined)
    throw fail('if any flags in the group [key id] are set none of the others can be; [id key] were all set');
  if (plugin !== 'azure-kv' || !state(t).plugins[plugin]) {
    throw fail(
      `plugin executable file is either not found or inaccessible: stat ${configKey(t)}/notation/plugins/${plugin ?? 'azure-kv'}/notation-${plugin ?? 'azure-kv'}: no such file or directory`,
    );
  }
  const ref = p.args[0];
  if (!ref) throw fail('missing reference to the artifact: use `notation sign --help` to see what parameters are required');
  const format = p.flags.get('--signature-format') ?? 'jws';
  if (!['jws', 'cose'].includes(format)) throw fail(`signature format "${format}" not supported`);
  const target = resolveRef(t, ref);
  // notation prints the tag warning before it calls the plugin, so it precedes any plugin error.
  try {
    return await signResolved(t, p, id!, format, target);
  } catch (e) {
    if (e instanceof ToolError && target.byTag) throw new ToolError(tagWarning('sign', target) + e.message, e.exitCode);
    throw e;
  }
}

async function signResolved(t: ToolContext, p: Parsed, id: string, format: string, target: Resolved): Promise<ToolResult> {
  // The plugin (notation-azure-kv KeyVaultClient.cs): id parsing, then Key Vault calls as the az user.
  const m = /^https:\/\/([^.]+)\.vault\.azure\.net\/(keys|certificates)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(id);
  if (!m)
    throw pluginError(
      'Invalid input passed to "--id". Please follow this format to input the ID "https://<vault-name>.vault.azure.net/certificates/<certificate-name>/[certificate-version]"',
    );
  const [, vaultName, , certName, version] = m as unknown as [string, string, string, string, string | undefined];
  if (p.pluginConfig.self_signed === 'true' && p.pluginConfig.ca_certs)
    throw pluginError(
      'Self-signed certificate is specified. Please do not specify the `ca_certs` parameter if it is a self-signed certificate.',
    );
  const vault = listByType(t.world, 'Microsoft.KeyVault/vaults').find((v) => v.name.toLowerCase() === vaultName.toLowerCase());
  if (!vault) throw pluginError(`No such host is known. (${vaultName}.vault.azure.net:443)`);
  const oid = t.world.user.objectId;
  const now = t.clock.now();
  const prop = t.latency.ms('rbacPropagation');
  if (!vaultAllows(t.world, vault, oid, 'certificates/get', now, prop)) throw pluginError(kvForbidden(vault, 'certificates/get'));
  const cert = vaultData(t, vault.name).certificates[certName.toLowerCase()];
  const live = cert && cert.deletedAt === undefined ? cert : undefined;
  const v = version ? live?.versions.find((x) => x.version === version) : live ? latestVersion(live) : undefined;
  if (!v) {
    throw pluginError(
      `A certificate with (name/id) ${certName}${version ? `/versions/${version}` : ''} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  }
  if (!v.enabled) throw pluginError('Operation get is not allowed on a disabled certificate.');
  // Without self_signed=true the plugin fetches the chain through the secret (GenerateSignature.cs).
  if (p.pluginConfig.self_signed !== 'true' && !p.pluginConfig.ca_certs && !vaultAllows(t.world, vault, oid, 'secrets/get', now, prop)) {
    throw pluginError(
      'The plugin does not have secrets get permission. Please grant the permission to the credential associated with the plugin or specify the file path of the certificate chain bundle through the `ca_certs` parameter in the plugin config.',
    );
  }
  if (p.pluginConfig.ca_certs && !existsSync(resolve(t.cwd, p.pluginConfig.ca_certs)))
    throw pluginError(`Could not find file '${resolve(t.cwd, p.pluginConfig.ca_certs)}'.`);
  if (!vaultAllows(t.world, vault, oid, 'keys/sign', now, prop)) throw pluginError(kvForbidden(vault, 'keys/sign'));
  if (!rbacAllows(t.world, oid, 'acr/push', target.registry.id, now, 0))
    throw fail('failed to push signature to registry with error: response status code 403: Forbidden');
  await t.clock.sleep(t.latency.ms('notationSign'));
  const sig: Signature = {
    digest: newDigest(),
    mediaType: format === 'cose' ? 'application/cose' : 'application/jose+json',
    certSha256: v.sha256Hex,
    certSubject: v.subject,
    certExpires: v.expires,
    vaultName: vault.name,
    certName: live!.name,
    certVersion: v.version,
    signedAt: t.clock.now(),
  };
  // Every sign adds one more signature (docs/errata.md#stale-signatures).
  target.manifest.signatures.push(sig);
  t.markDirty();
  return ok(
    `Successfully signed ${target.loginServer}/${target.repo}@${target.manifest.digest}\n`,
    target.byTag ? tagWarning('sign', target) : '',
  );
}

function inspectJson(target: Resolved): string {
  const doc = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    Signatures: target.manifest.signatures.map((s) => ({
      mediaType: s.mediaType,
      digest: s.digest,
      signatureAlgorithm: 'RSASSA-PSS-SHA-256',
      signedAttributes: { signingScheme: 'notary.x509', signingTime: iso(s.signedAt).replace(/\.\d{3}Z$/, 'Z') },
      userDefinedAttributes: null,
      unsignedAttributes: { signingAgent: 'notation-go/1.3.2 azure-kv/1.2.1' },
      certificates: [
        {
          SHA256Fingerprint: s.certSha256,
          issuedTo: s.certSubject,
          issuedBy: s.certSubject,
          expiry: iso(s.certExpires).replace(/\.\d{3}Z$/, 'Z'),
        },
      ],
      signedArtifact: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: target.manifest.digest,
        size: target.manifest.size,
      },
    })),
  };
  return JSON.stringify(doc, null, 4) + '\n';
}

export async function runNotation(t: ToolContext, argv: readonly string[]): Promise<ToolResult> {
  try {
    const [verb, ...rest] = argv;
    switch (verb) {
      case undefined:
      case 'help':
      case '--help':
        return ok('Notation - a tool to sign and verify artifacts (ratify-runbook sandbox)\n');
      case 'version':
        return ok(
          'Notation - a tool to sign and verify artifacts.\n\nVersion:     1.3.2\nGo version:  go1.23.8\nGit commit:  001cc919603c1dc16c6aad387c94b4209cb9c901\n',
        );
      case 'plugin':
        return pluginCmd(t, rest);
      case 'login': {
        const p = parse(rest);
        const host = p.args[0];
        if (!host) throw fail('no hostname specified');
        const password = p.flags.get('--password-stdin') === 'true' ? t.stdin.trim() : p.flags.get('--password');
        if (!password) throw fail('password required');
        const claims = verifyJwt(password, t.world.tokenKey, t.clock.now());
        if (!claims || String(claims.aud).toLowerCase() !== host.toLowerCase())
          throw fail(`failed to log in to ${host}: GET "https://${host}/oauth2/token": response status code 401: Unauthorized`);
        state(t).logins[host.toLowerCase()] = password;
        t.markDirty();
        return ok('Login Succeeded\n');
      }
      case 'logout': {
        const host = rest[0];
        if (host) delete state(t).logins[host.toLowerCase()];
        t.markDirty();
        return ok('Logout Succeeded\n');
      }
      case 'sign':
        return await sign(t, parse(rest));
      case 'ls':
      case 'list': {
        const p = parse(rest);
        if (!p.args[0]) throw fail('missing reference to the artifact: use `notation list --help` to see what parameters are required');
        const r = resolveRef(t, p.args[0]);
        const head = `${r.loginServer}/${r.repo}@${r.manifest.digest}`;
        const warn = r.byTag ? tagWarning('list', r) : '';
        if (r.manifest.signatures.length === 0) return ok(`${head} has no associated signature\n`, warn);
        const sigs = r.manifest.signatures;
        return ok(
          `${head}\n└── application/vnd.cncf.notary.signature\n${sigs.map((s, i) => `    ${i === sigs.length - 1 ? '└──' : '├──'} ${s.digest}\n`).join('')}`,
          warn,
        );
      }
      case 'inspect': {
        const p = parse(rest);
        if (!p.args[0]) throw fail('missing reference to the artifact: use `notation inspect --help` to see what parameters are required');
        const r = resolveRef(t, p.args[0]);
        const warn = r.byTag ? tagWarning('inspect', r) : '';
        if (p.flags.get('--output') === 'json') return ok(inspectJson(r), warn);
        const head = `${r.loginServer}/${r.repo}@${r.manifest.digest}`;
        if (r.manifest.signatures.length === 0) return ok(`${head} has no associated signature\n`, warn);
        return ok(
          `Inspecting all signatures for signed artifact\n${head}\n└── application/vnd.cncf.notary.signature\n${r.manifest.signatures.map((s) => `    └── ${s.digest}\n        ├── signature algorithm: RSASSA-PSS-SHA-256\n        ├── certificates\n        │   └── SHA256 fingerprint: ${s.certSha256}\n        │       ├── issued to: ${s.certSubject}\n        │       └── issued by: ${s.certSubject}\n`).join('')}`,
          warn,
        );
      }
      default:
        throw fail(`unknown command "${verb}" for "notation"`);
    }
  } catch (e) {
    if (e instanceof ToolError) return { stdout: e.stdout, stderr: e.message, exitCode: e.exitCode };
    throw e;
  }
}

function pluginCmd(t: ToolContext, rest: string[]): ToolResult {
  const [sub, ...more] = rest;
  const st = state(t);
  if (sub === 'ls' || sub === 'list') {
    const head = 'NAME       DESCRIPTION                       VERSION   CAPABILITIES                ERROR   \n';
    const rows = Object.entries(st.plugins).map(
      ([n, v]) =>
        `${n.padEnd(11)}${'Notation Azure Key Vault plugin'.padEnd(34)}${v.padEnd(10)}${'[SIGNATURE_GENERATOR.RAW]'.padEnd(28)}<nil>   \n`,
    );
    return ok(head + rows.join(''));
  }
  if (sub === 'install' || sub === 'add') {
    const p = parse(more);
    const url = p.flags.get('--url');
    const file = p.flags.get('--file');
    if (!url && !file) throw fail('at least one of the flags in the group [file url] is required');
    let version: string;
    let out = '';
    if (url) {
      if (!url.startsWith('https://'))
        throw fail(`failed to download plugin from URL: only the HTTPS scheme is supported, but got ${url.split(':')[0]}`);
      const sum = p.flags.get('--sha256sum');
      if (!sum) throw fail('installing from URL requires non-empty SHA256 checksum of the plugin source');
      const rel = PLUGIN_RELEASES[url];
      if (!rel) throw fail(`failed to download plugin from URL: GET "${url}": response status code 404: Not Found`);
      if (sum.toLowerCase() !== rel.sha256)
        throw fail(`plugin installation failed: plugin checksum does not match: expected ${sum.toLowerCase()}, got ${rel.sha256}`);
      version = rel.version;
      out += `Downloading plugin from ${url}\nDownload completed\n`;
    } else {
      if (!existsSync(resolve(t.cwd, file!))) throw fail(`plugin installation failed: stat ${file}: no such file or directory`);
      version = /(\d+\.\d+\.\d+)/.exec(file!)?.[1] ?? '1.2.1';
    }
    const old = st.plugins['azure-kv'];
    if (old === version && p.flags.get('--force') !== 'true')
      throw fail(`plugin installation failed: plugin azure-kv with version ${version} already exists`);
    st.plugins['azure-kv'] = version;
    t.markDirty();
    return ok(
      out +
        (old && old !== version
          ? `Successfully updated plugin azure-kv from version ${old} to ${version}\n`
          : `Successfully installed plugin azure-kv, version ${version}\n`),
    );
  }
  if (sub === 'uninstall' || sub === 'remove' || sub === 'rm') {
    const p = parse(more);
    const name = p.args[0];
    if (!name || !st.plugins[name])
      throw fail(`unable to find plugin ${name ?? ''}.\nTo view a list of installed plugins, use \`notation plugin list\``);
    if (p.flags.get('--yes') !== 'true') throw fail('uninstall of plugin requires confirmation: use --yes');
    delete st.plugins[name];
    t.markDirty();
    return ok(`Successfully uninstalled plugin ${name}\n`);
  }
  throw fail(`unknown command "${sub ?? ''}" for "notation plugin"`);
}
