import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { DENIAL, SUBJECT } from '../helpers/sandbox-flow.js';
import { ANSWERS, openWorld, virtualClock, type TestWorld, type VirtualClock } from '../helpers/sandbox-world.js';

/** Each rule the sandbox enforces (sandbox/README.md), through the fake tools as separate processes. */
let w: TestWorld;
let clock: VirtualClock;
let sub: string;
const { resourceGroup: RG, aksName: AKS, acrName: ACR } = ANSWERS;
const REG = `${ACR}.azurecr.io`;

const az = async (...a: string[]): Promise<string> => {
  const r = await w.run(['az', ...a]);
  if (r.code !== 0) throw new Error(`az ${a.join(' ')} -> ${r.code}\n${r.stderr}`);
  return r.stdout;
};

function policyFile(name: string, extra: Record<string, unknown> = {}): string {
  const f = join(w.dir, `${name}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      issuerParameters: { name: 'Self' },
      keyProperties: { exportable: false, keySize: 2048, keyType: 'RSA', reuseKey: true },
      secretProperties: { contentType: 'application/x-pem-file' },
      x509CertificateProperties: { subject: SUBJECT, validityInMonths: 12 },
      ...extra,
    }),
  );
  return `@${f}`;
}

beforeAll(async () => {
  ensureToolsBuilt();
  clock = virtualClock();
  w = await openWorld({ latency: 'instant', clock });
  sub = (await az('account', 'show', '--query', 'id', '-o', 'tsv')).trim();
});
afterAll(async () => w?.close());

describe('Key Vault', () => {
  test('new vaults are RBAC unless told otherwise', async () => {
    expect(await az('keyvault', 'create', '-n', 'kv-rbac-1', '-g', RG, '--query', 'properties.enableRbacAuthorization', '-o', 'tsv')).toBe(
      'true\n',
    );
    expect(
      await az(
        'keyvault',
        'create',
        '-n',
        'kv-ap-1',
        '-g',
        RG,
        '--enable-rbac-authorization',
        'false',
        '--query',
        'properties.enableRbacAuthorization',
        '-o',
        'tsv',
      ),
    ).toBe('false\n');
    const shown = JSON.parse(await az('keyvault', 'show', '-n', 'kv-rbac-1')) as {
      properties: { accessPolicies: unknown[]; vaultUri: string };
      resourceGroup: string;
    };
    expect(shown.properties.accessPolicies).toEqual([]);
    expect(shown.properties.vaultUri).toBe('https://kv-rbac-1.vault.azure.net/');
    expect(shown.resourceGroup).toBe(RG);
  });

  test("set-policy on an RBAC vault fails with Azure's message", async () => {
    await az('keyvault', 'create', '-n', 'kv-rbac-2', '-g', RG, '-o', 'none');
    const r = await w.run([
      'az',
      'keyvault',
      'set-policy',
      '-n',
      'kv-rbac-2',
      '--secret-permissions',
      'get',
      '--object-id',
      '00000000-0000-0000-0000-000000000001',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: Cannot set policies to a vault with '--enable-rbac-authorization' specified\n");
  });

  test('re-running keyvault create on an access-policy vault wipes its policies', async () => {
    await az('keyvault', 'create', '-n', 'kv-ap-2', '-g', RG, '--enable-rbac-authorization', 'false', '-o', 'none');
    const other = '11111111-2222-3333-4444-555555555555';
    await az('keyvault', 'set-policy', '-n', 'kv-ap-2', '--secret-permissions', 'get', '--object-id', other, '-o', 'none');
    const before = await az('keyvault', 'show', '-n', 'kv-ap-2', '--query', 'properties.accessPolicies[].objectId', '-o', 'tsv');
    expect(before).toContain(other);
    await az('keyvault', 'create', '-n', 'kv-ap-2', '-g', RG, '--enable-rbac-authorization', 'false', '-o', 'none');
    const after = await az('keyvault', 'show', '-n', 'kv-ap-2', '--query', 'properties.accessPolicies[].objectId', '-o', 'tsv');
    expect(after).not.toContain(other);
  });

  test("a deleted vault's name is reserved until purged", async () => {
    await az('keyvault', 'create', '-n', 'kv-del-1', '-g', RG, '-o', 'none');
    const del = await w.run(['az', 'keyvault', 'delete', '-n', 'kv-del-1']);
    expect(del.code).toBe(0);
    expect(del.stderr).toMatch(/^Warning! If you have soft-delete protection enabled/);
    expect(await az('keyvault', 'list-deleted', '--query', "[?name=='kv-del-1'].name", '-o', 'tsv')).toBe('kv-del-1\n');
    const again = await w.run(['az', 'keyvault', 'create', '-n', 'kv-del-1', '-g', RG]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^ERROR: \(ConflictError\) A vault with the same name already exists in deleted state\. You need to either recover or purge existing key vault\./,
    );
    await az('keyvault', 'purge', '-n', 'kv-del-1');
    expect(await az('keyvault', 'create', '-n', 'kv-del-1', '-g', RG, '--query', 'name', '-o', 'tsv')).toBe('kv-del-1\n');
    const purgeMissing = await w.run(['az', 'keyvault', 'purge', '-n', 'kv-nothing']);
    expect(purgeMissing).toMatchObject({ code: 1, stderr: 'ERROR: No deleted Vault or HSM was found with name kv-nothing\n' });
  });

  test('missing vault: exit 1 without -g, exit 3 (ResourceNotFound) with -g', async () => {
    expect(await w.run(['az', 'keyvault', 'show', '-n', 'kv-none'])).toMatchObject({
      code: 1,
      stderr: "ERROR: The Vault 'kv-none' not found within subscription.\n",
    });
    const r = await w.run(['az', 'keyvault', 'show', '-n', 'kv-none', '-g', RG]);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      `ERROR: (ResourceNotFound) The Resource 'Microsoft.KeyVault/vaults/kv-none' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      'Code: ResourceNotFound',
    ]);
  });

  test('every certificate create makes a new version and key; --query kid without -o tsv is quoted', async () => {
    await az('keyvault', 'create', '-n', 'kv-cert-1', '-g', RG, '-o', 'none');
    // RBAC vault: the creator needs a data role first, like in Azure.
    const denied = await w.run([
      'az',
      'keyvault',
      'certificate',
      'create',
      '-n',
      'c1',
      '--vault-name',
      'kv-cert-1',
      '-p',
      policyFile('p1'),
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^ERROR: \(Forbidden\) Caller is not authorized to perform action on resource\./);
    expect(denied.stderr).toContain('"code": "ForbiddenByRbac"');
    const me = (await az('ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv')).trim();
    const kvId = (await az('keyvault', 'show', '-n', 'kv-cert-1', '--query', 'id', '-o', 'tsv')).trim();
    await az(
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      me,
      '--assignee-principal-type',
      'User',
      '--role',
      'Key Vault Certificates Officer',
      '--scope',
      kvId,
      '-o',
      'none',
    );
    const op = JSON.parse(
      await az('keyvault', 'certificate', 'create', '-n', 'c1', '--vault-name', 'kv-cert-1', '-p', policyFile('p1')),
    ) as { status: string; id: string };
    expect(op).toMatchObject({ status: 'completed', id: 'https://kv-cert-1.vault.azure.net/certificates/c1/pending' });
    const kid1 = (
      await az('keyvault', 'certificate', 'show', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'kid', '-o', 'tsv')
    ).trim();
    const cer1 = await az('keyvault', 'certificate', 'show', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'cer', '-o', 'tsv');
    await az('keyvault', 'certificate', 'create', '-n', 'c1', '--vault-name', 'kv-cert-1', '-p', policyFile('p1'), '-o', 'none');
    const kid2 = (
      await az('keyvault', 'certificate', 'show', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'kid', '-o', 'tsv')
    ).trim();
    const cer2 = await az('keyvault', 'certificate', 'show', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'cer', '-o', 'tsv');
    expect(kid1).toMatch(/^https:\/\/kv-cert-1\.vault\.azure\.net\/keys\/c1\/[0-9a-f]{32}$/);
    expect(kid2).not.toBe(kid1);
    expect(cer2).not.toBe(cer1);
    // A new key, not only a new certificate (the sandbox makes keys ahead: each is used once).
    const publicKey = (cer: string) =>
      new X509Certificate(Buffer.from(cer.trim(), 'base64')).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(publicKey(cer2)).not.toBe(publicKey(cer1));
    expect(await az('keyvault', 'certificate', 'list-versions', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'length(@)')).toBe(
      '2\n',
    );
    // Without -o tsv the kid is a quoted JSON string (docs/errata.md#key-id-tsv).
    expect(await az('keyvault', 'certificate', 'show', '-n', 'c1', '--vault-name', 'kv-cert-1', '--query', 'kid')).toBe(`"${kid2}"\n`);
    const missing = await w.run(['az', 'keyvault', 'certificate', 'show', '-n', 'nope', '--vault-name', 'kv-cert-1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /^ERROR: \(CertificateNotFound\) A certificate with \(name\/id\) nope was not found in this key vault\./,
    );
  });
});

describe('ACR, notation', () => {
  let keyId = '';
  let creds: Record<string, string> = {};
  beforeAll(async () => {
    await az('keyvault', 'create', '-n', 'kv-sign', '-g', RG, '-o', 'none');
    const me = (await az('ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv')).trim();
    const kvId = (await az('keyvault', 'show', '-n', 'kv-sign', '--query', 'id', '-o', 'tsv')).trim();
    for (const role of ['Key Vault Certificates Officer', 'Key Vault Crypto User'])
      await az(
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        me,
        '--assignee-principal-type',
        'User',
        '--role',
        role,
        '--scope',
        kvId,
        '-o',
        'none',
      );
    await az('keyvault', 'certificate', 'create', '-n', 'signer', '--vault-name', 'kv-sign', '-p', policyFile('ps'), '-o', 'none');
    keyId = (await az('keyvault', 'certificate', 'show', '-n', 'signer', '--vault-name', 'kv-sign', '--query', 'kid', '-o', 'tsv')).trim();
    const token = (await az('acr', 'login', '-n', ACR, '--expose-token', '--query', 'accessToken', '-o', 'tsv')).trim();
    creds = { NOTATION_USERNAME: '00000000-0000-0000-0000-000000000000', NOTATION_PASSWORD: token };
  });

  test('acr build returns a new digest each build', async () => {
    const build = (): Promise<string> =>
      az(
        'acr',
        'build',
        '-r',
        ACR,
        '-t',
        `${REG}/app:v1`,
        'https://github.com/wabbit-networks/net-monitor.git#main',
        '--no-logs',
        '--query',
        'outputImages[0].digest',
        '-o',
        'tsv',
      );
    const d1 = (await build()).trim();
    const d2 = (await build()).trim();
    expect(d1).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d2).not.toBe(d1);
    expect((await az('acr', 'repository', 'show', '-n', ACR, '--image', 'app:v1', '--query', 'digest', '-o', 'tsv')).trim()).toBe(d2);
    // With the default log streaming az prints the log and returns no JSON.
    const streamed = await w.run([
      'az',
      'acr',
      'build',
      '-r',
      ACR,
      '-t',
      `${REG}/app:v2`,
      'https://github.com/x/y.git',
      '--query',
      'outputImages[0].digest',
      '-o',
      'tsv',
    ]);
    expect(streamed.stdout).toMatch(/Run ID: ca[0-9a-z]+ was successful after/);
  });

  test('every notation sign adds a signature', async () => {
    const digest = (
      await az(
        'acr',
        'build',
        '-r',
        ACR,
        '-t',
        `${REG}/signed:v1`,
        'https://github.com/x/y.git',
        '--no-logs',
        '--query',
        'outputImages[0].digest',
        '-o',
        'tsv',
      )
    ).trim();
    const ref = `${REG}/signed@${digest}`;
    const sign = (): ReturnType<TestWorld['run']> =>
      w.run(
        [
          'notation',
          'sign',
          '--signature-format',
          'cose',
          '--id',
          keyId,
          '--plugin',
          'azure-kv',
          '--plugin-config',
          'self_signed=true',
          ref,
        ],
        creds,
      );
    expect(await sign()).toMatchObject({ code: 0, stdout: `Successfully signed ${ref}\n` });
    expect(await sign()).toMatchObject({ code: 0 });
    const inspect = await w.run(['notation', 'inspect', '-o', 'json', ref], creds);
    const doc = JSON.parse(inspect.stdout) as { Signatures: { mediaType: string; certificates: { SHA256Fingerprint: string }[] }[] };
    expect(doc.Signatures).toHaveLength(2);
    expect(doc.Signatures[0]!.mediaType).toBe('application/cose');
    expect(inspect.stdout).toMatch(/^\{\n {4}"mediaType"/);
    const ls = await w.run(['notation', 'ls', ref], creds);
    expect(ls.stdout.split('\n')).toHaveLength(5);
    const refs = JSON.parse(await az('acr', 'manifest', 'list-referrers', '-r', ACR, '-n', `signed@${digest}`)) as { manifests: unknown[] };
    expect(refs.manifests).toHaveLength(2);
  });

  test('notation needs the registry token from NOTATION_USERNAME/NOTATION_PASSWORD', async () => {
    const r = await w.run(['notation', 'ls', `${REG}/app:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: failed to get manifest descriptor: HEAD "https:\/\/acrdemo01\.azurecr\.io\/v2\/app\/manifests\/v1": response status code 401: Unauthorized/,
    );
  });

  test('signing without self_signed=true under least privilege fails like the plugin does', async () => {
    const r = await w.run(['notation', 'sign', '--id', keyId, '--plugin', 'azure-kv', `${REG}/app:v1`], creds);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error: failed to sign with the plugin azure-kv: The plugin does not have secrets get permission. Please grant the permission to the credential associated with the plugin or specify the file path of the certificate chain bundle through the `ca_certs` parameter in the plugin config.',
    );
    expect(r.stderr).toMatch(/^Warning: Always sign the artifact using digest/);
  });

  test('notation comes with azure-kv 1.2.1; plugin uninstall and install behave like notation 1.3.2', async () => {
    expect((await w.run(['notation', 'plugin', 'ls'])).stdout).toBe(
      'NAME       DESCRIPTION                       VERSION   CAPABILITIES                ERROR   \nazure-kv   Notation Azure Key Vault plugin   1.2.1     [SIGNATURE_GENERATOR.RAW]   <nil>   \n',
    );
    const cfg = { XDG_CONFIG_HOME: join(w.dir, 'other-config') };
    expect(await w.run(['notation', 'plugin', 'uninstall', 'azure-kv', '--yes'], cfg)).toMatchObject({ code: 0 });
    const noPlugin = await w.run(['notation', 'sign', '--id', keyId, '--plugin', 'azure-kv', `${REG}/app:v1`], { ...creds, ...cfg });
    expect(noPlugin.stderr).toMatch(
      /^Error: plugin executable file is either not found or inaccessible: stat .*\/notation\/plugins\/azure-kv\/notation-azure-kv: no such file or directory/,
    );
    const url = 'https://github.com/Azure/notation-azure-kv/releases/download/v1.2.1/notation-azure-kv_1.2.1_linux_amd64.tar.gz';
    const sha = '67c5ccaaf28dd44d2b6572684d84e344a02c2258af1d65ead3910b3156d3eaf5';
    expect(await w.run(['notation', 'plugin', 'install', '--url', url, '--sha256sum', sha], cfg)).toMatchObject({
      code: 0,
      stdout: `Downloading plugin from ${url}\nDownload completed\nSuccessfully installed plugin azure-kv, version 1.2.1\n`,
    });
    expect(await w.run(['notation', 'plugin', 'install', '--url', url, '--sha256sum', sha], cfg)).toMatchObject({
      code: 1,
      stderr: 'Error: plugin installation failed: plugin azure-kv with version 1.2.1 already exists\n',
    });
  });

  test('a quoted kid (from --query kid without -o tsv) is rejected by the plugin', async () => {
    const r = await w.run(
      ['notation', 'sign', '--id', `"${keyId}"`, '--plugin', 'azure-kv', '--plugin-config', 'self_signed=true', `${REG}/app:v1`],
      creds,
    );
    expect(r.stderr).toContain('Invalid input passed to "--id"');
  });
});

describe('helm, kubectl, policy', () => {
  let values = '';
  beforeAll(async () => {
    await az('aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig);
    await w.run(['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify']);
    values = join(w.dir, 'values.yaml');
    writeFileSync(values, 'featureFlags:\n  RATIFY_CERT_ROTATION: true\nprovider:\n  enableMutation: false\n');
    // Part 3 left Image Integrity's managed Ratify in gatekeeper-system: clean it up first.
    await az('policy', 'assignment', 'delete', '--name', 'deploy-trustedimages', '--scope', `/subscriptions/${sub}/resourceGroups/${RG}`);
    await az('aks', 'update', '-g', RG, '-n', AKS, '--disable-image-integrity', '-o', 'none');
  });

  test('helm install on an existing release fails, upgrade --install does not', async () => {
    const first = await w.run([
      'helm',
      'install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^NAME: ratify\nLAST DEPLOYED: .*\nNAMESPACE: gatekeeper-system\nSTATUS: deployed\nREVISION: 1\n/);
    const again = await w.run([
      'helm',
      'install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
    ]);
    expect(again).toMatchObject({ code: 1, stderr: 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n' });
    const up = await w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
    ]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^Release "ratify" has been upgraded\. Happy Helming!\n[\s\S]*REVISION: 2\n/);
    const status = JSON.parse((await w.run(['helm', 'status', 'ratify', '-n', 'gatekeeper-system', '-o', 'json'])).stdout) as {
      info: { status: string };
      version: number;
    };
    expect(status).toMatchObject({ info: { status: 'deployed' }, version: 2 });
  });

  test('Helm ignores unknown keys: logLevel passes silently and changes nothing', async () => {
    const r = await w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
      '--set',
      'logLevel=debug',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const all = JSON.parse((await w.run(['helm', 'get', 'values', 'ratify', '-n', 'gatekeeper-system', '--all', '-o', 'json'])).stdout) as {
      logger: { level: string };
      logLevel: string;
    };
    expect(all.logger.level).toBe('info');
  });

  test('chart 1.15.0 still honours the deprecated akvCertConfig keys', async () => {
    const tenant = (await az('account', 'show', '--query', 'tenantId', '-o', 'tsv')).trim();
    const r = await w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
      '--set',
      'akvCertConfig.enabled=true',
      '--set',
      'akvCertConfig.vaultURI=https://kv-sign.vault.azure.net/',
      '--set',
      'akvCertConfig.cert1Name=signer',
      '--set',
      `akvCertConfig.tenantId=${tenant}`,
    ]);
    expect(r.code).toBe(0);
    const kmp = await w.run(['kubectl', 'get', 'keymanagementproviders.config.ratify.deislabs.io', 'kmprovider-akv', '-o', 'json']);
    expect(kmp.code).toBe(0);
    expect((JSON.parse(kmp.stdout) as { spec: { type: string } }).spec.type).toBe('azurekeyvault');
  });

  test('--set splits on commas: the trust policy subject is cut and junk keys appear', async () => {
    const r = await w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'gatekeeper-system',
      '-f',
      values,
      '--set',
      `notation.trustPolicies[0].trustedIdentities[0]=x509.subject: ${SUBJECT}`,
    ]);
    expect(r.code).toBe(0);
    const user = JSON.parse((await w.run(['helm', 'get', 'values', 'ratify', '-n', 'gatekeeper-system', '-o', 'json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(user).toMatchObject({
      O: 'Notation',
      L: 'Seattle',
      ST: 'WA',
      C: 'US',
      notation: { trustPolicies: [{ trustedIdentities: ['x509.subject: CN=wabbit-networks.io'] }] },
    });
  });

  test('provider.enableMutation=true on an azure-policy cluster fails the install', async () => {
    const r = await w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify-mut',
      'ratify/ratify',
      '--version',
      '1.15.0',
      '-n',
      'mutation-test',
      '--create-namespace',
      '--set',
      'featureFlags.RATIFY_CERT_ROTATION=true',
      '--set',
      'provider.enableMutation=true',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error: failed to create resource: admission webhook "byovalidation.policy.azure.com" denied the request: This cluster is governed by Azure Policy. Policies must be created through Azure.\n',
    );
  });

  test('a policy assignment reaches the cluster only after the add-on sync delay; kubectl run goes through admission', async () => {
    const slow = await openWorld({ latency: 'realistic', clock });
    try {
      const run = async (...a: string[]): Promise<string> => {
        const r = await slow.run(a);
        if (r.code !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      await run('az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', slow.kubeconfig);
      const aksId = await run('az', 'aks', 'show', '-g', RG, '-n', AKS, '--query', 'id', '-o', 'tsv');
      const rules = {
        if: { field: 'type', in: ['Microsoft.ContainerService/managedClusters'] },
        then: {
          effect: "[parameters('effect')]",
          details: {
            templateInfo: { sourceType: 'PublicURL', url: 'https://notaryproject.github.io/ratify/library/default/template.yaml' },
            apiGroups: [''],
            kinds: ['Pod'],
          },
        },
      };
      const params = { effect: { type: 'String', allowedValues: ['audit', 'deny', 'disabled'], defaultValue: 'deny' } };
      const defId = await run(
        'az',
        'policy',
        'definition',
        'create',
        '--name',
        'ratify-policy',
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
      );
      await run('az', 'policy', 'assignment', 'create', '--policy', defId, '--name', 'ratify-policy', '--scope', aksId, '-o', 'none');
      const before = await slow.run(['kubectl', 'get', 'constrainttemplate', 'ratifyverification']);
      expect(before).toMatchObject({
        code: 1,
        stderr: 'Error from server (NotFound): constrainttemplates.templates.gatekeeper.sh "ratifyverification" not found\n',
      });
      expect((await slow.run(['kubectl', 'get', 'ratifyverification'])).stderr).toBe(
        'error: the server doesn\'t have a resource type "ratifyverification"\n',
      );
      // Before the sync, an unsigned pod is admitted.
      expect(await slow.run(['kubectl', 'run', 'early', '--image=docker.io/library/nginx:1.27'])).toMatchObject({
        code: 0,
        stdout: 'pod/early created\n',
      });
      clock.advance(14 * 60_000);
      expect((await slow.run(['kubectl', 'get', 'constrainttemplates'])).stderr).toBe('No resources found\n');
      clock.advance(60_000 + 1);
      expect(await run('kubectl', 'get', 'constrainttemplate', 'ratifyverification', '-o', 'name')).toBe(
        'constrainttemplate.templates.gatekeeper.sh/ratifyverification',
      );
      const constraint = await run('kubectl', 'get', 'ratifyverification', '-o', 'name');
      expect(constraint).toMatch(/^ratifyverification\.constraints\.gatekeeper\.sh\/azurepolicy-ratifyverification-[0-9a-f]{20}$/);
      // After it, admission asks Ratify, which is not installed in this world.
      const denied = await slow.run(['kubectl', 'run', 'late', '--image=docker.io/library/nginx:1.27']);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(DENIAL);
      expect(denied.stderr).toContain('System error calling external data provider:');
      // Excluded namespaces are never checked.
      expect((await slow.run(['kubectl', 'run', 'sys', '-n', 'kube-system', '--image=docker.io/library/nginx:1.27'])).code).toBe(0);
    } finally {
      await slow.close();
    }
  });

  test('kubectl and helm without a kubeconfig fail like the real ones', async () => {
    const none = { KUBECONFIG: join(w.dir, 'no-such-kubeconfig') };
    expect(await w.run(['kubectl', 'get', 'pods'], none)).toMatchObject({
      code: 1,
      stderr: 'The connection to the server localhost:8080 was refused - did you specify the right host or port?\n',
    });
    expect(await w.run(['helm', 'status', 'ratify'], none)).toMatchObject({
      code: 1,
      stderr:
        'Error: Kubernetes cluster unreachable: Get "http://localhost:8080/version": dial tcp 127.0.0.1:8080: connect: connection refused\n',
    });
    const foreign = join(w.dir, 'foreign.yaml');
    writeFileSync(
      foreign,
      'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: x, user: u}\nclusters:\n- name: x\n  cluster: {server: "https://real-cluster.hcp.westeurope.azmk8s.io:443"}\nusers:\n- name: u\n  user: {}\n',
    );
    expect((await w.run(['kubectl', 'get', 'pods'], { KUBECONFIG: foreign })).stderr).toMatch(
      /^Unable to connect to the server: dial tcp: lookup real-cluster\.hcp\.westeurope\.azmk8s\.io/,
    );
  });

  test('unknown flags fail the way each real tool fails', async () => {
    expect(await w.run(['az', 'aks', 'update', '-g', RG, '-n', AKS, '--enable-oidc-isuer'])).toMatchObject({
      code: 2,
      stderr: 'ERROR: unrecognized arguments: --enable-oidc-isuer\n',
    });
    expect(await w.run(['az', 'keyvault', 'create', '--name', 'kv1'])).toMatchObject({
      code: 2,
      stderr: 'ERROR: the following arguments are required: --resource-group/-g\n',
    });
    expect(await w.run(['az', 'role', 'assignment', 'create', '--assignee-object-id', 'x', '--role', 'AcrPull'])).toMatchObject({
      code: 2,
      stderr: 'ERROR: the following arguments are required: --scope\n',
    });
    expect((await w.run(['kubectl', 'get', 'pods', '--bogus'])).stderr).toBe(
      "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n",
    );
    expect(await w.run(['helm', 'list', '--bogus'])).toMatchObject({ code: 1, stderr: 'Error: unknown flag: --bogus\n' });
    expect(await w.run(['notation', 'sign', '--bogus'])).toMatchObject({ code: 1, stderr: 'Error: unknown flag: --bogus\n' });
  });

  test('old Ratify chart repositories are gone (docs/errata.md#helm-repository)', async () => {
    const r = await w.run(['helm', 'repo', 'add', 'old', 'https://deislabs.github.io/ratify']);
    expect(r).toMatchObject({ code: 1 });
    expect(r.stderr).toBe(
      'Error: looks like "https://deislabs.github.io/ratify" is not a valid chart repository or cannot be reached: failed to fetch https://deislabs.github.io/ratify/index.yaml : 404 Not Found\n',
    );
  });
});

describe('usage errors az prints for arguments that do not go together', () => {
  test.each([
    [['acr', 'repository', 'show', '-n', ACR]],
    [['acr', 'repository', 'show', '-n', ACR, '--repository', 'net-monitor', '--image', 'net-monitor:v1']],
    [['acr', 'repository', 'delete', '-n', ACR, '--yes']],
    [['acr', 'repository', 'delete', '-n', ACR, '--repository', 'net-monitor', '--image', 'net-monitor:v1', '--yes']],
  ])('az %j: --image or --repository, exactly one', async (argv) => {
    const r = await w.run(['az', ...argv]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('You need to provide either --image IMAGE | --repository REPOSITORY, but not both');
  });

  test.each(['enable-addons', 'disable-addons'])('az aks %s with an add-on that does not exist', async (verb) => {
    const r = await w.run(['az', 'aks', verb, '-g', RG, '-n', AKS, '--addons', 'no-such-addon']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Invalid addon name: no-such-addon.');
  });

  test('az keyvault delete-policy without a vault name', async () => {
    const r = await w.run(['az', 'keyvault', 'delete-policy', '--object-id', '00000000-0000-0000-0000-000000000000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the following arguments are required: --name\/-n/);
  });
});
