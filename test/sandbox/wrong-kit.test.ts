import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureToolsBuilt } from '../helpers/sandbox-build.js';
import { DENIAL, runFlow, type Mistakes } from '../helpers/sandbox-flow.js';
import { openWorld, virtualClock, type TestWorld } from '../helpers/sandbox-world.js';

/**
 * Runs of the flow with one deliberate mistake each fail where real
 * Azure would, with its message; the correct flow passes. Latency is `realistic` on a virtual
 * clock, so propagation and the 15-minute policy sync are in force without real waiting.
 */
let w: TestWorld | undefined;

async function flow(m: Mistakes) {
  const clock = virtualClock();
  w = await openWorld({ latency: 'realistic', clock });
  return runFlow(w, m, { wait: (ms) => clock.advance(ms) });
}

beforeAll(() => ensureToolsBuilt());
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('wrong kit', () => {
  test("the correct flow passes: signed admitted, unsigned denied with Ratify's message", async () => {
    const r = await flow({});
    expect(r.failedAt).toBeUndefined();
    expect(r.signed).toMatchObject({ code: 0, stdout: 'pod/demo-signed created\n' });
    expect(r.unsigned!.code).toBe(1);
    expect(r.unsigned!.stderr).toMatch(DENIAL);
    expect(r.unsigned!.stderr).toMatch(/\] Subject failed verification: acrdemo01\.azurecr\.io\/net-watcher:v1\n$/);
  });

  test('Audit effect: both pods admitted, the unsigned one listed as a violation on the constraint', async () => {
    const r = await flow({ audit: true });
    expect(r.signed!.code).toBe(0);
    expect(r.unsigned).toMatchObject({ code: 0, stdout: 'pod/demo-unsigned created\n' });
    const c = await w!.run([
      'kubectl',
      'get',
      'ratifyverification',
      '-o',
      'jsonpath={.items[0].spec.enforcementAction} {.items[0].status.totalViolations} {.items[0].status.violations[0].name}',
    ]);
    expect(c.stdout).toBe('dryrun 1 demo-unsigned');
  });

  test('mutation left enabled: the Ratify install is rejected by the add-on', async () => {
    const r = await flow({ mutationEnabled: true });
    expect(r.failedAt?.argv.slice(0, 3)).toEqual(['helm', 'upgrade', '--install']);
    expect(r.failedAt?.result.stderr).toBe(
      'Error: release ratify failed, and has been uninstalled due to rollback-on-failure being set: failed to create resource: ' +
        'admission webhook "byovalidation.policy.azure.com" denied the request: This cluster is governed by Azure Policy. ' +
        'Policies must be created through Azure.\n',
    );
  });

  test('federated credential subject in the wrong namespace: the signed image is denied (AADSTS70021)', async () => {
    const r = await flow({ ficNamespace: 'ratify' });
    expect(r.failedAt).toBeUndefined();
    expect(r.signed!.code).toBe(1);
    expect(r.signed!.stderr).toMatch(DENIAL);
    expect(r.signed!.stderr).toContain('System error calling external data provider:');
    expect(r.signed!.stderr).toContain(
      "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://eastus.oic.prod-aks.azure.com/",
    );
    expect(r.signed!.stderr).toContain("Assertion Subject: 'system:serviceaccount:gatekeeper-system:ratify-admin'");
  });

  test('no AcrPull for the Ratify identity: the signed image is denied (401 from the registry)', async () => {
    const r = await flow({ noAcrPull: true });
    expect(r.signed!.code).toBe(1);
    expect(r.signed!.stderr).toMatch(DENIAL);
    expect(r.signed!.stderr).toMatch(
      /System error calling external data provider: failed to resolve acrdemo01\.azurecr\.io\/net-monitor@sha256:[0-9a-f]{64}: GET "https:\/\/acrdemo01\.azurecr\.io\/oauth2\/token\?scope=repository%3Anet-monitor%3Apull&service=acrdemo01\.azurecr\.io": response status code 401: Unauthorized/,
    );
  });

  test('set-policy on an RBAC vault: the signer-access step fails', async () => {
    const r = await flow({ setPolicyOnRbacVault: true });
    expect(r.failedAt?.argv.slice(0, 3)).toEqual(['az', 'keyvault', 'set-policy']);
    expect(r.failedAt?.result).toMatchObject({
      code: 1,
      stderr: "ERROR: Cannot set policies to a vault with '--enable-rbac-authorization' specified\n",
    });
  });

  test('signed by tag then rebuilt: the new digest has no signature', async () => {
    const r = await flow({ signByTagThenRebuild: true });
    expect(r.failedAt).toBeUndefined();
    expect(r.signed!.code).toBe(1);
    expect(r.signed!.stderr).toMatch(DENIAL);
    expect(r.signed!.stderr).toContain(`Subject failed verification: acrdemo01.azurecr.io/net-monitor@${r.vars.digest}`);
    const logs = await w!.run(['kubectl', 'logs', '-n', 'gatekeeper-system', 'deploy/ratify']);
    expect(logs.stdout).toContain('NO_VERIFIER_REPORT');
  });

  test('trust policy subject via --set with commas: the signature is not trusted', async () => {
    const r = await flow({ trustSubjectViaSetWithCommas: true });
    expect(r.failedAt).toBeUndefined();
    expect(r.signed!.code).toBe(1);
    expect(r.signed!.stderr).toMatch(/\] Subject failed verification: acrdemo01\.azurecr\.io\/net-monitor@sha256:/);
    const logs = await w!.run(['kubectl', 'logs', '-n', 'gatekeeper-system', 'deploy/ratify']);
    expect(logs.stdout).toContain('has no mandatory RDN attribute for "C"');
  });

  test('verify before the policy synced: the unsigned image is admitted and no constraint exists yet', async () => {
    const r = await flow({ verifyBeforeSync: true });
    expect(r.failedAt).toBeUndefined();
    expect(r.unsigned).toMatchObject({ code: 0, stdout: 'pod/demo-unsigned created\n' });
    expect((await w!.run(['kubectl', 'get', 'constrainttemplate', 'ratifyverification'])).stderr).toBe(
      'Error from server (NotFound): constrainttemplates.templates.gatekeeper.sh "ratifyverification" not found\n',
    );
  });

  test('Image Integrity not cleaned up: its managed Ratify blocks the Helm install', async () => {
    const r = await flow({ skipImageIntegrityCleanup: true });
    expect(r.failedAt?.argv.slice(0, 3)).toEqual(['helm', 'upgrade', '--install']);
    expect(r.failedAt?.result.stderr).toContain(
      'Unable to continue with install: Deployment "ratify" in namespace "gatekeeper-system" exists and cannot be imported into the current release',
    );
  });

  test('no Key Vault Secrets User: the key management provider cannot read the certificate', async () => {
    const r = await flow({ noSecretsUser: true });
    expect(r.signed!.code).toBe(1);
    expect(r.signed!.stderr).toContain('Subject failed verification');
    const kmp = await w!.run([
      'kubectl',
      'get',
      'keymanagementproviders',
      'kmprovider-akv',
      '-o',
      'jsonpath={.status.issuccess} {.status.error}',
    ]);
    expect(kmp.stdout).toMatch(/^false failed to get secret objectName:ratify-cert/);
    expect(kmp.stdout).toContain('ForbiddenByRbac');
  });

  test('policy definition with the dead template URL never reaches the cluster', async () => {
    const r = await flow({ stalePolicyTemplateUrl: true });
    expect(r.unsigned!.code).toBe(0);
    const logs = await w!.run(['kubectl', 'logs', '-n', 'kube-system', '-l', 'app=azure-policy']);
    expect(logs.stdout).toContain(
      "failed to download constraint template from 'https://ratify-project.github.io/ratify/library/default/template.yaml': 404 Not Found",
    );
  });
});
