import { describe, expect, it } from 'vitest';
import { preflight } from '../../steps/preflight.js';
import { fakeContext, SUB, TENANT, type ScriptEntry } from '../helpers/step-context.js';
import { ACR_ID, AKS_ID, answers, CALLER, KV_ID, RG_ID } from './fixtures.js';
import { BUILT_IN_ROLES } from '../../steps/_shared/access.js';

/**
 * preflight reads everything the run will rely on before anything is created: the tools (the
 * Helm major decides the install flags), the account, the caller's rights, the cluster's sign-in.
 */
const cluster = (properties: Record<string, unknown> = {}) => ({
  [AKS_ID]: { id: AKS_ID, properties: { kubernetesVersion: '1.30.6', addonProfiles: { azurepolicy: { enabled: true } }, ...properties } },
});
const WRITERS = 'Owner, User Access Administrator or Role Based Access Control Administrator';
const owner = [{ role: 'Owner', scope: `/subscriptions/${SUB}` }];

/** The caller's role assignments as ARM lists them for `assignedTo()` (read in-process, shown as `az role assignment list`). */
function rights(roles: readonly { role: string; scope: string }[] = owner) {
  const path = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments?$filter=assignedTo('${CALLER}')`;
  const definition = (role: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
  return {
    [path]: roles.map((r, i) => ({
      id: `${r.scope}/providers/Microsoft.Authorization/roleAssignments/ra${i}`,
      properties: { roleDefinitionId: definition(r.role), scope: r.scope, principalId: CALLER },
    })),
  };
}

const pluginList = (version: string) =>
  `NAME       DESCRIPTION   VERSION   CAPABILITIES   ERROR\nazure-kv   Sign   ${version}   [SIGNATURE_GENERATOR.RAW]   <nil>\n`;
const missingTool = (tool: string): ScriptEntry => ({ prefix: [tool], result: { exitCode: 127, stderr: `${tool}: command not found` } });

function script(extra: { helm?: string | null; kubelogin?: boolean; canI?: string; plugin?: string } = {}): ScriptEntry[] {
  return [
    {
      prefix: ['az', 'version'],
      result: { stdout: JSON.stringify({ 'azure-cli': '2.67.0', extensions: { 'aks-preview': '13.0.0b7' } }) },
    },
    { prefix: ['kubectl', 'version'], result: { stdout: JSON.stringify({ clientVersion: { gitVersion: 'v1.32.4' } }) } },
    {
      prefix: ['helm', 'version'],
      result: extra.helm === null ? { exitCode: 127, stderr: 'helm: command not found' } : { stdout: extra.helm ?? 'v4.2.4' },
    },
    { prefix: ['notation', 'version'], result: { stdout: 'Notation - a tool to sign and verify artifacts.\n\nVersion:     1.3.2\n' } },
    { prefix: ['notation', 'plugin', 'ls'], result: { stdout: pluginList(extra.plugin ?? '1.2.1') } },
    {
      prefix: ['az', 'account', 'show'],
      result: { stdout: JSON.stringify({ id: SUB, tenantId: TENANT, user: { name: 'alice@contoso.com', type: 'user' } }) },
    },
    { prefix: ['az', 'ad', 'signed-in-user', 'show'], result: { stdout: `${CALLER}\n` } },
    {
      prefix: ['kubelogin', '--version'],
      result: extra.kubelogin === false ? { exitCode: 127, stderr: 'kubelogin: command not found' } : { stdout: 'kubelogin version \n' },
    },
    { prefix: ['kubectl', 'auth', 'can-i'], result: { stdout: `${extra.canI ?? 'yes'}\n`, exitCode: extra.canI === 'no' ? 1 : 0 } },
  ];
}

describe('preflight', () => {
  it("records the Helm major and the cluster's sign-in; an Owner passes", async () => {
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: script({ helm: 'v3.21.4' }), azureLists: rights() });
    expect(await preflight.run(f.ctx)).toEqual({
      subscriptionId: SUB,
      tenantId: TENANT,
      callerObjectId: CALLER,
      callerType: 'User',
      helmMajor: '3',
      entraId: 'false',
      notationVersion: '1.3.2',
      pluginVersion: '1.2.1',
    });
    expect(f.argvs()).toContainEqual([
      'az',
      'role',
      'assignment',
      'list',
      '--assignee',
      CALLER,
      '--all',
      '--include-groups',
      '--query',
      '[].{role:roleDefinitionName, scope:scope}',
      '-o',
      'json',
      '--subscription',
      SUB,
    ]);
    expect(f.argvs().flat()).not.toContain('kubelogin');
    expect(f.mutating()).toEqual([]);
  });

  it('a Contributor is stopped before anything is created, each missing right named with the roles that grant it', async () => {
    const f = fakeContext({
      stepId: 'preflight',
      answers,
      azure: cluster(),
      script: script(),
      azureLists: rights([{ role: 'Contributor', scope: `/subscriptions/${SUB}` }]),
    });
    const error = await preflight.run(f.ctx).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toContain('Preflight found 4 problem(s)');
    expect(error).toContain(
      `The signed-in user (${CALLER}) cannot create role assignments on the Key Vault ratify-demo-kv ` +
        `(signer-access and ratify-identity grant Key Vault roles): it needs ${WRITERS} on ${KV_ID} (it has Contributor there).`,
    );
    expect(error).toContain(
      "cannot create role assignments on the registry myregistry4ratify (AcrPull for Ratify's identity and the kubelet): " +
        `it needs ${WRITERS} on ${ACR_ID}`,
    );
    expect(error).toContain(
      'cannot create policy definitions (the policy step): it needs Resource Policy Contributor, Owner or User Access Administrator ' +
        `on /subscriptions/${SUB}`,
    );
    expect(error).toContain(`cannot assign policies on the cluster myAKSCluster (the policy step)`);
    expect(f.mutating()).toEqual([]);
  });

  it('rights granted lower down or through other roles count where they apply', async () => {
    const roles = [
      { role: 'Contributor', scope: `/subscriptions/${SUB}` },
      { role: 'Role Based Access Control Administrator', scope: RG_ID },
      { role: 'Resource Policy Contributor', scope: `/subscriptions/${SUB}` },
    ];
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: script(), azureLists: rights(roles) });
    await expect(preflight.run(f.ctx)).resolves.toMatchObject({ entraId: 'false' });
    // An access-policy vault needs no role assignment on it: the registry still does.
    const registryOnly = [
      { role: 'Owner', scope: ACR_ID },
      { role: 'Resource Policy Contributor', scope: `/subscriptions/${SUB}` },
    ];
    const ap = fakeContext({
      stepId: 'preflight',
      answers: { ...answers, keyVaultAuth: 'access-policy' },
      azure: cluster(),
      script: script(),
      azureLists: rights(registryOnly),
    });
    await expect(preflight.run(ap.ctx)).resolves.toMatchObject({ helmMajor: '4' });
  });

  it('an Entra ID cluster: kubelogin required (with how to install it), the kubeconfig converted, cluster-admin checked', async () => {
    const aad = { aadProfile: { managed: true, adminGroupObjectIDs: ['g1'], tenantID: TENANT }, disableLocalAccounts: true };
    const missing = fakeContext({
      stepId: 'preflight',
      answers,
      azure: cluster(aad),
      script: script({ kubelogin: false }),
      azureLists: rights(),
    });
    await expect(preflight.run(missing.ctx)).rejects.toThrow(
      'Cluster myAKSCluster signs in with Microsoft Entra ID: kubectl and helm need kubelogin, which is missing. ' +
        'Install it: az aks install-cli (installs kubectl and kubelogin) or https://azure.github.io/kubelogin/install.html',
    );
    const denied = fakeContext({
      stepId: 'preflight',
      answers,
      azure: cluster(aad),
      script: script({ canI: 'no' }),
      azureLists: rights(),
    });
    await expect(preflight.run(denied.ctx)).rejects.toThrow(
      'cannot administer cluster myAKSCluster (kubectl auth can-i create clusterrolebinding says no)',
    );
    const ok = fakeContext({ stepId: 'preflight', answers, azure: cluster(aad), script: script(), azureLists: rights() });
    await expect(preflight.run(ok.ctx)).resolves.toMatchObject({ entraId: 'true' });
    expect(ok.argvs()).toContainEqual(['kubelogin', 'convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', '/state/kubeconfig']);
    expect(ok.argvs().flat()).not.toContain('--admin');
  });

  it('lists every missing tool at once, each with how to install it, and reads no account without az', async () => {
    const gone = ['az', 'kubectl', 'helm', 'notation'].map(missingTool);
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: [...gone, ...script()], azureLists: rights() });
    const error = (await preflight.run(f.ctx).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/Preflight found 4 problem\(s\)/);
    for (const tool of ['az', 'kubectl', 'helm', 'notation']) {
      expect(error.message).toMatch(new RegExp(`- ${tool}: not found on PATH\\. Install: \\S`));
    }
    expect(f.argvs().some((argv) => argv[1] === 'account')).toBe(false);
  });

  it('reads the account as soon as az answers and the plugin list with notation, while the other tools are still probed', async () => {
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: script(), azureLists: rights() });
    // kubectl and notation take their time to answer; az answers at once.
    let release = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const run = f.ctx.cmd.run.bind(f.ctx.cmd);
    f.ctx.cmd.run = async (argv, options) => {
      if (argv[0] === 'kubectl' || (argv[0] === 'notation' && argv[1] === 'version')) await slow;
      return run(argv, options);
    };
    const done = preflight.run(f.ctx);
    await new Promise((resolve) => setImmediate(resolve));
    const started = f.argvs().map((argv) => argv.slice(0, 3).join(' '));
    expect(started).toContain('az account show');
    expect(started).toContain('notation plugin ls');
    release();
    await expect(done).resolves.toMatchObject({ subscriptionId: SUB, notationVersion: '1.3.2', pluginVersion: '1.2.1' });
  });

  it('notation comes with its azure-kv plugin; an old or missing one is a problem with the install command', async () => {
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: script({ plugin: '1.0.0' }), azureLists: rights() });
    await expect(preflight.run(f.ctx)).rejects.toThrow(/azure-kv plugin 1\.2\.1 is needed \(found: 1\.0\.0\): notation plugin install/);
  });

  it('helm missing or of an unknown major is a problem named with where to get it', async () => {
    const none = fakeContext({ stepId: 'preflight', answers, azure: cluster(), script: script({ helm: null }), azureLists: rights() });
    await expect(preflight.run(none.ctx)).rejects.toThrow(
      'helm: not found on PATH. Install: https://helm.sh/docs/intro/install/ (Helm 4, or Helm 3)',
    );
    const five = fakeContext({
      stepId: 'preflight',
      answers,
      azure: cluster(),
      script: script({ helm: 'v5.0.0' }),
      azureLists: rights(),
    });
    await expect(preflight.run(five.ctx)).rejects.toThrow('helm v5.0.0 is not supported: the runbook knows the flags of Helm 3 and Helm 4');
  });
});
