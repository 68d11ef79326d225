import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { verifyJwt } from '../../sandbox/jwt.js';
import { loadWorld } from '../../sandbox/world/store.js';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { ANSWERS, openWorld, type TestWorld } from '../helpers/sandbox-world.js';

/**
 * Where today's az, AKS API, Helm and Entra ID clusters differ from what the kit assumed: the
 * sandbox must answer the old command (or read) the way the real service does, so a kit that
 * still uses it fails in the sandbox too, and the fixed command passes on the same world.
 */
const { resourceGroup: RG, aksName: AKS, acrName: ACR } = ANSWERS;
const IMAGE_INTEGRITY_ENABLED = `az aks show -g ${RG} -n ${AKS} --query securityProfile.imageIntegrity.enabled -o tsv`.split(' ');
const RULES = '{"if":{"field":"type","equals":"Microsoft.ContainerService/managedClusters"},"then":{"effect":"audit"}}';
const DEVICE_CODE =
  /To sign in, use a web browser to open the page https:\/\/microsoft\.com\/devicelogin and enter the code [A-Z0-9]{9} to authenticate\./;

let worlds: TestWorld[] = [];
afterEach(async () => {
  await Promise.all(worlds.map((w) => w.close()));
  worlds = [];
});

async function world(opts: Parameters<typeof openWorld>[0] = {}): Promise<TestWorld> {
  ensureToolsBuilt();
  const w = await openWorld(opts);
  worlds.push(w);
  return w;
}

/** Runs a command that may never return (a device-code sign-in), killing it after `ms` like the runbook's timeout does. */
async function runFor(w: TestWorld, argv: string[], ms: number) {
  return w.run(['timeout', '--signal=TERM', String(ms / 1000), ...argv]);
}

describe('az policy definition create --metadata (az >= aaz: one value of any type)', () => {
  test("the old key=value words fail with az's argument error (exit 2); no --metadata, or JSON/shorthand, succeeds", async () => {
    const w = await world();
    const create = (name: string, ...extra: string[]) =>
      w.run([
        'az',
        'policy',
        'definition',
        'create',
        '--name',
        name,
        '--rules',
        RULES,
        '--mode',
        'Microsoft.Kubernetes.Data',
        ...extra,
        '-o',
        'json',
      ]);
    const old = await create('old', '--metadata', 'category=Kubernetes', 'ratify-runbook-run=r1');
    expect(old.code).toBe(2);
    expect(old.stderr).toBe(
      "ERROR: Failed to parse '--metadata' argument: AnyType args only support full value shorthand syntax, " +
        "please don't use partial value shorthand syntax. " +
        "If it's a simple string, please wrap it with single quotes.\n",
    );
    expect((await w.run(['az', 'policy', 'definition', 'show', '--name', 'old'])).code).toBe(3);

    const fixed = await create('fixed');
    expect(fixed.code, fixed.stderr).toBe(0);
    const shorthand = await create('shorthand', '--metadata', '{category:Kubernetes}');
    expect(JSON.parse(shorthand.stdout).metadata.category).toBe('Kubernetes');
    const json = await create('json', '--metadata', '{"category":"Kubernetes"}');
    expect(JSON.parse(json.stdout).metadata.category).toBe('Kubernetes');
  });
});

describe('AKS Image Integrity: securityProfile.imageIntegrity exists only in preview API versions', () => {
  test('ARM serves the property to a preview api-version only, and refuses an unknown version like ARM', async () => {
    const w = await world();
    const p = w.handle.profile;
    const sub = (await w.run(['az', 'account', 'show', '--query', 'id', '-o', 'tsv'])).stdout.trim();
    const client = new ResourceManagementClient(p.credential, sub, {
      endpoint: p.armEndpoint,
      tlsOptions: { ca: p.tlsCa! },
      retryOptions: { maxRetries: 0 },
    });
    const id = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${AKS}`;
    // The kit's old read: a stable version says nothing about Image Integrity, although it is on.
    const stable = await client.resources.getById(id, '2024-09-01');
    expect((stable.properties as { securityProfile: Record<string, unknown> }).securityProfile).not.toHaveProperty('imageIntegrity');
    const preview = await client.resources.getById(id, '2023-06-02-preview');
    expect((preview.properties as { securityProfile: { imageIntegrity?: { enabled: boolean } } }).securityProfile.imageIntegrity).toEqual({
      enabled: true,
    });
    await expect(client.resources.getById(id, '2099-01-01')).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidApiVersionParameter',
      message: expect.stringMatching(
        /^The api-version '2099-01-01' is invalid\. The supported versions are '.*2024-09-01.*2023-06-02-preview'\.$/,
      ),
    });
    // What the feature leaves in the cluster, whatever the API version: its AKS-managed Ratify.
    await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig]);
    const pods = await w.run('kubectl get pods -n gatekeeper-system -l kubernetes.azure.com/managedby=aks -o name'.split(' '));
    expect(pods.stdout).toMatch(/^pod\/ratify-/);
  });

  test('az aks show shows it with the aks-preview extension (preview API) and not without it (stable API)', async () => {
    const w = await world();
    const shown = await w.run(IMAGE_INTEGRITY_ENABLED);
    expect(shown.stdout).toBe('true\n');
    await w.handle.close();
    const file = join(w.dir, 'sandbox', 'world.json');
    const data = loadWorld(join(w.dir, 'sandbox'))!;
    delete data.extensions['aks-preview'];
    writeFileSync(file, JSON.stringify(data));
    const again = await openWorld({ dir: w.dir, seed: false });
    worlds.push(again);
    const core = await again.run(IMAGE_INTEGRITY_ENABLED);
    expect(core).toMatchObject({ code: 0, stdout: '' });
    expect((await again.run(['az', 'aks', 'update', '-g', RG, '-n', AKS, '--disable-image-integrity'])).stderr).toBe(
      'ERROR: unrecognized arguments: --disable-image-integrity\n',
    );
  });
});

describe('Helm 4 and Helm 3 (helm/helm pkg/cmd at v4.2.4, cmd/helm at v3.21.4)', () => {
  const install = (w: TestWorld, ...flags: string[]) =>
    w.run([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--namespace',
      'gatekeeper-system',
      '--version',
      '1.15.0',
      ...flags,
      '-f',
      join(w.dir, 'v.yaml'),
    ]);

  async function ready(w: TestWorld): Promise<void> {
    writeFileSync(join(w.dir, 'v.yaml'), 'featureFlags:\n  RATIFY_CERT_ROTATION: true\nprovider:\n  enableMutation: false\n');
    await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig]);
    await w.run(['az', 'aks', 'update', '-g', RG, '-n', AKS, '--disable-image-integrity']);
    await w.run(['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify']);
  }

  test("Helm 4 (the default): the kit's old --atomic --wait works but warns as helm does; the Helm 4 flags install quietly", async () => {
    const w = await world();
    await ready(w);
    expect((await w.run(['helm', 'version', '--template', '{{.Version}}'])).stdout).toBe('v4.2.4');
    const old = await install(w, '--atomic', '--wait');
    expect(old.code).toBe(0);
    expect(old.stderr).toBe('Flag --atomic has been deprecated, use --rollback-on-failure instead\n');
    const fixed = await install(w, '--rollback-on-failure', '--wait=watcher');
    expect(fixed).toMatchObject({ code: 0, stderr: '' });
    expect((await install(w, '--wait=forever')).stderr).toBe(
      'Error: invalid argument "forever" for "--wait" flag: invalid wait input "forever". ' +
        'Valid inputs are watcher, hookOnly, and legacy\n',
    );
  });

  test('Helm 3: the Helm 4 flags are unknown, so one argv cannot suit both; --atomic --wait installs', async () => {
    const w = await world({ tools: 'helm=3' });
    await ready(w);
    expect((await w.run(['helm', 'version', '--template', '{{.Version}}'])).stdout).toBe('v3.21.4');
    expect((await w.run(['helm', 'version'])).stdout).toBe(
      'version.BuildInfo{Version:"v3.21.4", GitCommit:"cc0bbbd6d6276b83880042c1ecb34087e84d41eb", ' +
        'GitTreeState:"clean", GoVersion:"go1.24.11"}\n',
    );
    expect(await install(w, '--rollback-on-failure', '--wait=watcher')).toMatchObject({
      code: 1,
      stderr: 'Error: unknown flag: --rollback-on-failure\n',
    });
    expect((await install(w, '--atomic', '--wait=watcher')).stderr).toBe(
      'Error: invalid argument "watcher" for "--wait" flag: strconv.ParseBool: parsing "watcher": invalid syntax\n',
    );
    expect(await install(w, '--atomic', '--wait')).toMatchObject({ code: 0, stderr: '' });
  });

  test("helm search repo --versions -o json lists the repository's stable chart versions, newest first", async () => {
    const w = await world();
    await w.run(['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify']);
    const found = await w.run(['helm', 'search', 'repo', 'ratify/ratify', '--versions', '-o', 'json']);
    const rows = JSON.parse(found.stdout) as { name: string; version: string; app_version: string }[];
    expect(
      rows
        .filter((r) => r.name === 'ratify/ratify')
        .map((r) => r.version)
        .slice(0, 2),
    ).toEqual(['1.15.1', '1.15.0']);
    expect(rows.find((r) => r.version === '1.15.0')).toMatchObject({ app_version: 'v1.4.0' });
    expect(rows.some((r) => r.version.includes('alpha'))).toBe(false);
    expect((await w.run(['helm', 'search', 'repo', 'ratify/ratify', '--bogus'])).stderr).toBe('Error: unknown flag: --bogus\n');
  });
});

describe('an Entra ID cluster (aadProfile.managed, local accounts disabled)', () => {
  test('the kubeconfig AKS writes runs kubelogin in device-code mode: kubectl and helm print the prompt, hang until killed', async () => {
    const w = await world({ cluster: 'entra-id' });
    expect((await w.run(['az', 'aks', 'show', '-g', RG, '-n', AKS, '--query', 'aadProfile.managed', '-o', 'tsv'])).stdout).toBe('true\n');
    await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig]);
    const user = (parseYaml(readFileSync(w.kubeconfig, 'utf8')) as { users: { user: { exec: { command: string; args: string[] } } }[] })
      .users[0]!.user.exec;
    expect(user.command).toBe('kubelogin');
    expect(user.args).toEqual([
      'get-token',
      '--environment',
      'AzurePublicCloud',
      '--server-id',
      '6dae42f8-4368-4678-94ff-3960e28e3630',
      '--client-id',
      '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
      '--tenant-id',
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      '--login',
      'devicecode',
    ]);
    const started = Date.now();
    const kubectl = await runFor(w, ['kubectl', 'get', 'pods', '-n', 'gatekeeper-system'], 3000);
    expect(kubectl.code).toBe(124); // killed by the timeout: nothing else ends it
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(kubectl.stderr).toMatch(DEVICE_CODE);
    const helm = await runFor(w, ['helm', 'list', '-n', 'gatekeeper-system'], 2000);
    expect(helm.code).toBe(124);
    expect(helm.stderr).toMatch(DEVICE_CODE);
  }, 20_000);

  test('--admin credentials are refused; kubelogin convert-kubeconfig -l azurecli makes kubectl use the az login', async () => {
    const w = await world({ cluster: 'entra-id' });
    const admin = await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--admin', '--file', w.kubeconfig]);
    expect(admin.code).toBe(1);
    expect(admin.stderr).toBe(
      'ERROR: (BadRequest) Getting static credential is not allowed because this cluster is set to disable local accounts.\n' +
        'Code: BadRequest\n' +
        'Message: Getting static credential is not allowed because this cluster is set to disable local accounts.\n',
    );
    await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig]);
    expect(await w.run(['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', w.kubeconfig])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    const exec = (parseYaml(readFileSync(w.kubeconfig, 'utf8')) as { users: { user: { exec: { args: string[]; installHint: string } } }[] })
      .users[0]!.user.exec;
    expect(exec.args).toEqual(['get-token', '--login', 'azurecli', '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630']);
    expect(exec.installHint).toContain('kubelogin is not installed which is required to connect to AAD enabled cluster.');
    expect(await w.run(['kubectl', 'get', 'ns', 'gatekeeper-system', '-o', 'name'])).toMatchObject({
      code: 0,
      stdout: 'namespace/gatekeeper-system\n',
    });
    expect(await w.run(['kubectl', 'auth', 'can-i', 'create', 'clusterrolebinding'])).toMatchObject({ code: 0, stdout: 'yes\n' });

    // What kubectl's exec plugin gets: an ExecCredential whose token is an Entra ID token for the AKS server app.
    const token = await w.run(['kubelogin', 'get-token', '--login', 'azurecli', '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630']);
    const credential = JSON.parse(token.stdout) as { kind: string; apiVersion: string; status: { token: string } };
    expect(credential).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1' });
    const saved = loadWorld(join(w.dir, 'sandbox'))!;
    expect(verifyJwt(credential.status.token, saved.tokenKey, Date.now())).toMatchObject({
      aud: '6dae42f8-4368-4678-94ff-3960e28e3630',
      tid: saved.tenant.id,
      oid: saved.user.objectId,
    });

    // A token for another audience, or a static token, is refused by the cluster.
    const wrong = await w.run(['kubelogin', 'get-token', '--login', 'azurecli', '--server-id', 'https://management.core.windows.net/']);
    writeFileSync(
      join(w.dir, 'static.kubeconfig'),
      readFileSync(w.kubeconfig, 'utf8').replace(/exec:[\s\S]*$/, `token: ${JSON.parse(wrong.stdout).status.token}\n`),
    );
    expect(await w.run(['kubectl', '--kubeconfig', join(w.dir, 'static.kubeconfig'), 'get', 'ns'])).toMatchObject({
      code: 1,
      stderr: 'error: You must be logged in to the server (Unauthorized)\n',
    });
  });

  test('kubelogin rejects unknown commands and flags as cobra does', async () => {
    const w = await world({ cluster: 'entra-id' });
    expect(await w.run(['kubelogin', 'login'])).toMatchObject({
      code: 1,
      stderr: 'Error: unknown command "login" for "kubelogin"\nRun \'kubelogin --help\' for usage.\n',
    });
    expect(await w.run(['kubelogin', 'convert-kubeconfig', '--bogus'])).toMatchObject({
      code: 1,
      stderr: 'Error: unknown flag: --bogus\n',
    });
    expect((await w.run(['kubelogin', 'convert-kubeconfig', '-l', 'magic'])).stderr).toContain(
      "Error: 'magic' is not a supported login method.",
    );
    expect((await w.run(['kubelogin', '--version'])).stdout).toMatch(/^kubelogin version \ngit hash: v0\.2\.\d+\//);
  });
});

describe('a caller without the rights to assign roles and policies (--sandbox-caller contributor)', () => {
  test("role assignments, policy writes and --attach-acr fail with Azure's authorization errors", async () => {
    const w = await world({ caller: 'contributor', cluster: 'entra-id' });
    const sub = (await w.run(['az', 'account', 'show', '--query', 'id', '-o', 'tsv'])).stdout.trim();
    const oid = (await w.run(['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'])).stdout.trim();
    const acr = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${ACR}`;
    const roles = await w.run([
      'az',
      'role',
      'assignment',
      'list',
      '--assignee',
      oid,
      '--all',
      '--query',
      '[].roleDefinitionName',
      '-o',
      'tsv',
    ]);
    expect(roles.stdout).toBe('Contributor\n');
    const grant = await w.run([
      'az',
      'role',
      'assignment',
      'create',
      '--assignee-object-id',
      oid,
      '--assignee-principal-type',
      'User',
      '--role',
      'AcrPull',
      '--scope',
      acr,
    ]);
    expect(grant.code).toBe(1);
    expect(grant.stderr).toMatch(
      new RegExp(
        "^ERROR: \\(AuthorizationFailed\\) The client 'alice@contoso\\.onmicrosoft\\.com' with object id '[0-9a-f-]+' does not have " +
          "authorization to perform action 'Microsoft\\.Authorization/roleAssignments/write' over scope '.*' or the scope is invalid\\.",
      ),
    );
    const policy = await w.run(['az', 'policy', 'definition', 'create', '--name', 'p', '--rules', RULES]);
    expect(policy.stderr).toContain("does not have authorization to perform action 'Microsoft.Authorization/policyDefinitions/write'");
    expect((await w.run(['az', 'aks', 'update', '-g', RG, '-n', AKS, '--attach-acr', ACR])).stderr).toBe(
      'ERROR: Could not create a role assignment for ACR. Are you an Owner on this subscription?\n',
    );
    // Not in the cluster's admin group either.
    await w.run(['az', 'aks', 'get-credentials', '-g', RG, '-n', AKS, '--file', w.kubeconfig]);
    await w.run(['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', w.kubeconfig]);
    expect(await w.run(['kubectl', 'auth', 'can-i', 'create', 'clusterrolebinding'])).toMatchObject({ code: 1, stdout: 'no\n' });
  });
});
