import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

/**
 * The flow on today's tools and clusters (built binary, sandbox): Helm 3 and Helm 4, clusters
 * with local accounts and with Entra ID sign-in, both vault modes; a caller without the rights
 * stopped before anything is created; and, for the Image Integrity read and the Entra ID
 * kubeconfig, the old behaviour misreporting on the same world the fixed step handles.
 */
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const WRITERS = 'Owner, User Access Administrator or Role Based Access Control Administrator';
const run = (stateDir: string, ...extra: string[]) =>
  runCli(['run', '--sandbox', '--non-interactive', '--answers', demoAnswers, '--state-dir', stateDir, ...extra]);
const exec = (stateDir: string, ...argv: string[]) => runCli(['sandbox', 'exec', '--state-dir', stateDir, '--', ...argv]);
/** A command line of plain words (no quoting needed), run through `sandbox exec`. */
const execLine = (stateDir: string, line: string) => exec(stateDir, ...line.split(' '));
const MANAGED_RATIFY_PODS = 'kubectl get pods -n gatekeeper-system -l kubernetes.azure.com/managedby=aks -o name';
const CREDENTIALS = 'az aks get-credentials -g myResourceGroup -n myAKSCluster --file';

interface Status {
  steps: { id: string; status: string; outputs: Record<string, string> }[];
}
const outputs = (status: Status, id: string) => status.steps.find((s) => s.id === id)?.outputs ?? {};

describe('the whole flow under Helm 3 and Helm 4, on both cluster sign-ins, in both vault modes', () => {
  const matrix = ['3', '4'].flatMap((helm) =>
    ['local-accounts', 'entra-id'].flatMap((cluster) => ['rbac', 'access-policy'].map((auth) => [helm, cluster, auth] as const)),
  );
  it.each(matrix)(
    'helm %s, %s cluster, %s vault: verify passes with the flags and credentials that fit',
    async (helm, cluster, auth) => {
      const stateDir = await tempDir();
      const result = await run(
        stateDir,
        '--json',
        '--sandbox-tools',
        `helm=${helm}`,
        '--sandbox-cluster',
        cluster,
        '--set',
        `keyVaultAuth=${auth}`,
      );
      expect(result.code, result.stderr).toBe(0);
      const status = JSON.parse(result.stdout) as Status;
      expect(outputs(status, 'preflight')).toMatchObject({ helmMajor: helm, entraId: String(cluster === 'entra-id') });
      expect(outputs(status, 'verify')).toMatchObject({ signedAdmitted: 'true', unsignedDenied: 'true' });
      expect(outputs(status, 'ratify-install').newerChartVersion).toBe('1.15.1');

      const calls = await readCalls(stateDir);
      const install = calls.find((c) => c.argv[1] === 'upgrade')?.argv ?? [];
      if (helm === '4') expect(install).toEqual(expect.arrayContaining(['--rollback-on-failure', '--wait=watcher']));
      else expect(install).toEqual(expect.arrayContaining(['--atomic', '--wait']));
      expect(install).not.toContain(helm === '4' ? '--atomic' : '--rollback-on-failure');
      const converts = calls.filter((c) => c.argv[0] === 'kubelogin' && c.argv[1] === 'convert-kubeconfig');
      expect(converts.length > 0).toBe(cluster === 'entra-id');
      expect(calls.flatMap((c) => c.argv)).not.toContain('--admin');
      expect(calls.some((c) => c.argv.includes('--metadata'))).toBe(false);
      const notebook = await readFile(join(stateDir, 'notebook.md'), 'utf8');
      expect(notebook).toContain('| newerChartVersion | `1.15.1` |');
    },
    120_000,
  );
});

describe('rights checked before anything is created', () => {
  it('a caller without role-assignment and policy rights: preflight exits 1 naming the roles; no mutating call was made', async () => {
    const stateDir = await tempDir();
    const result = await run(stateDir, '--sandbox-caller', 'contributor');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Preflight found');
    expect(result.stderr).toMatch(
      new RegExp(
        `cannot create role assignments on the Key Vault ratify-demo-kv .*: it needs ${WRITERS} ` +
          'on /subscriptions/.*/vaults/ratify-demo-kv \\(it has Contributor there\\)',
      ),
    );
    expect(result.stderr).toMatch(/cannot create role assignments on the registry myregistry4ratify/);
    expect(result.stderr).toMatch(
      /cannot create policy definitions \(the policy step\): it needs Resource Policy Contributor, Owner or User Access Administrator/,
    );
    const calls = await readCalls(stateDir);
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' '))).toEqual([]);
    const status = JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as Status;
    expect(status.steps.find((s) => s.id === 'preflight')?.status).toBe('failed');
  }, 60_000);

  it('on an Entra ID cluster a caller outside its admin group is told it cannot administer the cluster', async () => {
    const stateDir = await tempDir();
    const result = await run(stateDir, '--sandbox-caller', 'contributor', '--sandbox-cluster', 'entra-id');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot administer cluster myAKSCluster (kubectl auth can-i create clusterrolebinding says no)');
    expect((await readCalls(stateDir)).filter((c) => isMutating(c.argv))).toEqual([]);
  }, 60_000);
});

describe('plan --format json: only values nobody can know before running are placeholders', () => {
  it.each(['rbac', 'access-policy'])('%s vault', async (auth) => {
    const stateDir = await tempDir();
    const result = await runCli([
      'plan',
      '--format',
      'json',
      '--answers',
      demoAnswers,
      '--set',
      `keyVaultAuth=${auth}`,
      '--set',
      'subscriptionId=11111111-2222-3333-4444-555555555555',
      '--state-dir',
      stateDir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { steps: { commands: { argv: string[] }[] }[] };
    const placeholders = new Set(
      plan.steps.flatMap((s) => s.commands.flatMap((c) => c.argv.flatMap((a) => [...a.matchAll(/<[^>]*>/g)].map((m) => m[0])))),
    );
    // Assigned by Azure or found only by running: the caller, the kubelet identity, the issuer,
    // the new certificate's key, the built digest, the new identity.
    expect([...placeholders].sort()).toEqual([
      '<build-and-sign.digest>',
      '<certificate.keyId>',
      '<cluster-prereqs.kubeletObjectId>',
      '<cluster-prereqs.oidcIssuer>',
      '<preflight.callerObjectId>',
      '<ratify-identity.identityObjectId>',
    ]);
    const argv = plan.steps.flatMap((s) => s.commands.map((c) => c.argv.join(' '))).join('\n');
    expect(argv).toMatch(/--labels=ratify-runbook-run=[0-9a-f]{8}/);
    expect(argv).toContain(
      '--scope /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/myResourceGroup' +
        '/providers/Microsoft.ContainerRegistry/registries/myregistry4ratify',
    );
    expect(argv).not.toContain('<runId>');
  });
});

describe("the old reads and credentials misreport on today's world; the fixed steps handle the same world", () => {
  it('Image Integrity: a stable api-version says "off" while its Ratify runs; cleanup reads a preview one and removes it', async () => {
    const stateDir = await tempDir();
    for (const step of ['provision-base', 'preflight']) expect((await run(stateDir, '--only', step)).code).toBe(0);
    const handle = await startSandbox({ worldDir: join(stateDir, 'sandbox') });
    try {
      const sub = (await exec(stateDir, 'az', 'account', 'show', '--query', 'id', '-o', 'tsv')).stdout.trim();
      const p = handle.profile;
      const client = new ResourceManagementClient(p.credential, sub, {
        endpoint: p.armEndpoint,
        tlsOptions: { ca: p.tlsCa! },
        retryOptions: { maxRetries: 0 },
      });
      const id = `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/managedClusters/myAKSCluster`;
      const old = await client.resources.getById(id, '2024-09-01'); // the read the step used before
      expect((old.properties as { securityProfile: { imageIntegrity?: unknown } }).securityProfile.imageIntegrity).toBeUndefined();
      await execLine(stateDir, `${CREDENTIALS} ${join(stateDir, 'kubeconfig')}`);
      const before = await execLine(stateDir, MANAGED_RATIFY_PODS);
      expect(before.stdout).toMatch(/pod\/ratify-/); // ...yet Image Integrity's Ratify is running

      await handle.close();
      const cleanup = await run(stateDir, '--only', 'cleanup-image-integrity', '--json');
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(outputs(JSON.parse(cleanup.stdout) as Status, 'cleanup-image-integrity')).toEqual({ removed: 'true' });
      const after = await execLine(stateDir, MANAGED_RATIFY_PODS);
      expect(after.stdout).toBe('');
      const query = '--query securityProfile.imageIntegrity.enabled -o tsv';
      const shown = await execLine(stateDir, `az aks show -g myResourceGroup -n myAKSCluster ${query}`);
      expect(shown.stdout).toBe('false\n');
      const calls = await readCalls(stateDir);
      expect(
        calls.some((c) => c.argv.join(' ').startsWith('az aks update -g myResourceGroup -n myAKSCluster --disable-image-integrity')),
      ).toBe(true);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it("Entra ID: the credentials az writes (the old steps' kubeconfig) hang kubectl on a device-code prompt; a run fixes it", async () => {
    const stateDir = await tempDir();
    const first = await run(stateDir, '--sandbox-cluster', 'entra-id');
    expect(first.code, first.stderr).toBe(0);
    const kubeconfig = join(stateDir, 'kubeconfig');
    // The old cluster-prereqs: get-credentials into the state dir's kubeconfig, nothing more.
    await execLine(stateDir, `${CREDENTIALS} ${kubeconfig} --overwrite-existing`);
    const hung = await exec(stateDir, 'timeout', '3', 'kubectl', 'get', 'pods', '-n', 'demo');
    expect(hung.code).toBe(124);
    expect(hung.stderr).toMatch(
      /To sign in, use a web browser to open the page https:\/\/microsoft\.com\/devicelogin and enter the code \w+ to authenticate\./,
    );
    const again = await run(stateDir);
    expect(again.code, again.stderr).toBe(0);
    expect(await exec(stateDir, 'kubectl', 'get', 'ns', 'demo', '-o', 'name')).toMatchObject({ code: 0, stdout: 'namespace/demo\n' });
  }, 60_000);
});
