import { defineStep, type StepContext, type TeardownContext } from '../runner/step.js';
import {
  byoValidation,
  chartTls,
  chartVersionNotFound,
  externalDataTimeout,
  ficMismatch,
  helmFlags,
  helmRepo404,
  kmpNoSecretGet,
  kmpPkcs12,
  kubeloginDeviceCode,
  missingKmp,
  workloadIdentityNotInjected,
} from './_shared/known-failures.js';
import { ensureKubeconfig } from './_shared/credentials.js';
import { renderRatifyValues } from './_shared/render.js';
import {
  addRepo,
  currentRelease,
  installedTests,
  NAMESPACE,
  newerChartPatch,
  RELEASE,
  removeIfPresent,
  upgradeInstall,
  valuesMatch,
} from './ratify-install/helm.js';
import { CURRENT_HELM_MAJOR, helmMajor, readHelmVersion, uninstallWaitFlag } from './_shared/helm.js';
import { readForRun, readFromCheck } from './_shared/check-handoff.js';
import { waitForTemplateGone } from './policy/constraint.js';
import { kmpStatus, waitForKmp } from './ratify-install/kmp.js';
import { readGuard } from './_shared/write-ahead.js';

type Ctx = StepContext<'acrName' | 'repo' | 'certName' | 'certSubject' | 'ratifyChartVersion'>;

function values(ctx: Ctx): Promise<string> {
  return renderRatifyValues({
    identityClientId: ctx.output('ratify-identity', 'identityClientId'),
    vaultUri: ctx.output('key-vault', 'vaultUri'),
    tenantId: ctx.output('preflight', 'tenantId'),
    certName: ctx.answers.certName,
    registryScope: `${ctx.answers.acrName}.azurecr.io/${ctx.answers.repo}`,
    certSubject: ctx.answers.certSubject,
  });
}

/** Ratify's CRDs (not removed by helm uninstall; list from Learn verify-with-ratify-aks "Clean up"). */
const CRDS = [
  'stores',
  'verifiers',
  'certificatestores',
  'policies',
  'keymanagementproviders',
  'namespacedkeymanagementproviders',
  'namespacedpolicies',
  'namespacedstores',
  'namespacedverifiers',
].map((name) => `${name}.config.ratify.deislabs.io`);

async function teardown(ctx: TeardownContext): Promise<void> {
  await ensureKubeconfig(ctx);
  // Uninstalling Ratify while the policy is enforced breaks admission in scoped namespaces
  // ("System error calling external data provider"): wait for the constraint template to go.
  await waitForTemplateGone(ctx, 'the ratifyverification constraint template to leave the cluster');
  // The Helm on this machine now, whatever preflight found when Ratify was installed.
  const major = helmMajor((await readHelmVersion(ctx)) ?? '') ?? CURRENT_HELM_MAJOR;
  await removeIfPresent(ctx, ['helm', 'uninstall', RELEASE, '-n', NAMESPACE, uninstallWaitFlag(major)]);
  // The chart's KMP/Verifier/Store/Policy/Provider objects are Helm hooks: delete them and the CRDs (docs/errata.md#teardown).
  await removeIfPresent(ctx, [
    'kubectl',
    'delete',
    'providers.externaldata.gatekeeper.sh',
    'ratify-provider',
    'ratify-mutation-provider',
    '--ignore-not-found',
  ]);
  await removeIfPresent(ctx, ['kubectl', 'delete', 'crd', ...CRDS, '--ignore-not-found']);
  await removeIfPresent(ctx, ['kubectl', 'delete', 'secret', 'ratify-tls', '-n', NAMESPACE, '--ignore-not-found']);
}

/** Tells the notebook (an output) and the log when the repository offers a newer patch of the pinned line. */
function reportNewer(ctx: Ctx, newer: string): string {
  const version = ctx.answers.ratifyChartVersion;
  if (newer !== 'none' && newer !== 'unknown') {
    ctx.log(
      `the repository offers chart ${newer}, a newer patch of ${version}: set ratifyChartVersion: ${newer} to use it` +
        ` (this run keeps ${version})`,
    );
  }
  return newer;
}

export const ratifyInstall = defineStep({
  id: 'ratify-install',
  title: 'Install Ratify',
  explain: `
Blog step 8, current. Adds the [chart repository](docs/errata.md#helm-repository) the blog
never added, at its current home \`https://notaryproject.github.io/ratify\`, pins
[the chart](docs/errata.md#chart-version): **1.15.0** (Ratify v1.4.0) or the 1.15.x patch you
chose; \`helm search repo ratify/ratify --versions\` tells whether the repository offers a newer
patch, and the notebook says so (\`newerChartVersion\`). It installs into **gatekeeper-system**
with \`helm upgrade --install\`, rolled back on failure and waited for, in the words of the Helm
found by preflight: [\`--rollback-on-failure --wait=watcher\` on Helm 4, \`--atomic --wait\` on
Helm 3](docs/errata.md#helm-4-flags). The settings go in a **values file** rendered from
\`templates/ratify-values.yaml\`, never \`--set\`, which
[cuts a subject at its commas](docs/errata.md#set-splits-commas):
- \`azurekeyvault.*\` instead of the [deprecated](docs/errata.md#akv-cert-config) \`akvCertConfig.*\`;
- \`logger.level\` instead of the [dead](docs/errata.md#log-level) \`logLevel\`;
- a notation [**trust policy**](docs/errata.md#trust-policy) for your subject and repository;
- \`provider.enableMutation: false\`: the add-on
  [rejects mutations](docs/troubleshooting.md#azure-policy-rejects-gatekeeper-objects);
- [cert rotation](docs/troubleshooting.md#chart-needs-tls-certificate) and workload identity
  for ORAS and Key Vault.

Then it waits for the Key Vault key management provider to load the certificate, re-applying
it when it failed on permissions that have since propagated.
`.trim(),
  needs: ['acrName', 'repo', 'certName', 'certSubject', 'ratifyChartVersion'],
  after: ['preflight', 'key-vault', 'certificate', 'ratify-identity', 'cluster-prereqs'],
  produces: ['helmRevision', 'newerChartVersion'],
  async check(ctx) {
    const release = await readForRun(ctx, 'release', () => currentRelease(ctx));
    if (release?.status !== 'deployed' || release.chart !== `ratify-${ctx.answers.ratifyChartVersion}`) return undefined;
    if (!(await valuesMatch(ctx, await values(ctx)))) return undefined;
    if (!(await kmpStatus(ctx))?.success) return undefined;
    const newerChartVersion = reportNewer(ctx, await newerChartPatch(ctx, ctx.answers.ratifyChartVersion));
    return { helmRevision: release.revision, newerChartVersion };
  },
  async run(ctx) {
    const version = ctx.answers.ratifyChartVersion;
    const helmMajor = Number(ctx.output('preflight', 'helmMajor')) || CURRENT_HELM_MAJOR;
    const installed = installedTests(version, ctx.output('key-vault', 'vaultUri'), ctx.output('ratify-identity', 'identityClientId'));
    const existed = (await readFromCheck(ctx, 'release', () => currentRelease(ctx))) !== undefined;
    await addRepo(ctx, installed);
    const newerChartVersion = reportNewer(ctx, await newerChartPatch(ctx, version, installed));
    const valuesPath = await ctx.writeFile('ratify-values.yaml', await values(ctx));
    const release = { kind: 'helmRelease', id: `${NAMESPACE}/${RELEASE}`, details: { namespace: NAMESPACE, release: RELEASE } };
    // A release takes no mark: the read before this found none.
    if (!existed) await ctx.willCreate({ ...release, guard: readGuard(['helm', 'status', RELEASE, '-n', NAMESPACE]) });
    const helmRevision = await upgradeInstall(ctx, version, valuesPath, helmMajor, installed);
    if (!existed) await ctx.created(release);
    await waitForKmp(ctx);
    return { helmRevision, newerChartVersion };
  },
  teardown,
  knownFailures: [
    helmFlags,
    chartVersionNotFound,
    kubeloginDeviceCode,
    helmRepo404,
    chartTls,
    byoValidation,
    workloadIdentityNotInjected,
    ficMismatch,
    kmpNoSecretGet,
    kmpPkcs12,
    missingKmp,
    externalDataTimeout,
  ],
});
