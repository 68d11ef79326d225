import { defineStep, type ArmResource, type StepContext } from '../runner/step.js';
import { shellLine } from '../runner/shell-words.js';
import { az } from './_shared/az.js';
import { fetchCredentials, kubeconfigFor } from './_shared/credentials.js';
import { HELM_VERSION_ARGV, helmMajor } from './_shared/helm.js';
import { apiVersions, clusterId, registryId, vaultId } from './_shared/ids.js';
import { prop, stringProp } from './_shared/json.js';
import { atLeast } from './_shared/versions.js';
import { authorizationFailed, kubeloginDeviceCode } from './_shared/known-failures.js';
import { readAccount, type Account } from './preflight/account.js';
import { callerAssignments, missingNeeds, POLICY_WRITERS, ROLE_ASSIGNMENT_WRITERS, type Need } from './preflight/permissions.js';
import { checkTools, TOOLS } from './preflight/tools.js';

type Ctx = StepContext<
  'subscriptionId' | 'resourceGroup' | 'aksName' | 'acrName' | 'keyVaultName' | 'keyVaultAuth' | 'cleanupImageIntegrity'
>;

const KUBELOGIN_INSTALL = 'az aks install-cli (installs kubectl and kubelogin) or https://azure.github.io/kubelogin/install.html';

/** aadProfile.managed: the cluster signs in with Microsoft Entra ID (a plan assumes what it was told, else local accounts). */
function signsInWithEntraId(ctx: Ctx, cluster: ArmResource | undefined): boolean {
  if (ctx.mode === 'plan') return ctx.assumptions.entraId === 'true';
  return prop(cluster?.properties, 'aadProfile', 'managed') === true;
}

/** What the run will write where, and which built-in roles allow it. */
function permissionNeeds(ctx: Ctx, sub: string): Need[] {
  const { resourceGroup: rg, aksName, acrName, keyVaultName } = ctx.answers;
  const needs: Need[] = [
    {
      what: `create role assignments on the registry ${acrName} (AcrPull for Ratify's identity and the kubelet)`,
      scope: registryId(sub, rg, acrName),
      roles: ROLE_ASSIGNMENT_WRITERS,
    },
    { what: 'create policy definitions (the policy step)', scope: `/subscriptions/${sub}`, roles: POLICY_WRITERS },
    { what: `assign policies on the cluster ${aksName} (the policy step)`, scope: clusterId(sub, rg, aksName), roles: POLICY_WRITERS },
  ];
  if (ctx.answers.keyVaultAuth !== 'access-policy') {
    needs.unshift({
      what: `create role assignments on the Key Vault ${keyVaultName} (signer-access and ratify-identity grant Key Vault roles)`,
      scope: vaultId(sub, rg, keyVaultName),
      roles: ROLE_ASSIGNMENT_WRITERS,
    });
  }
  return needs;
}

/** Entra ID clusters: the credentials must work without a browser, and the caller must be able to create cluster-wide RBAC objects. */
async function checkEntraIdCluster(ctx: Ctx, sub: string, problems: string[]): Promise<void> {
  const kubelogin = await ctx.cmd.run(['kubelogin', '--version'], { mutates: false, allowFailure: true });
  if (kubelogin.exitCode !== 0) {
    problems.push(
      `Cluster ${ctx.answers.aksName} signs in with Microsoft Entra ID: kubectl and helm need kubelogin, which is missing. ` +
        `Install it: ${KUBELOGIN_INSTALL}`,
    );
    return;
  }
  await fetchCredentials(ctx, sub, ctx.answers.resourceGroup, ctx.answers.aksName, true);
  // Ratify's chart creates ClusterRoles and ClusterRoleBindings.
  const canI = await ctx.cmd.run(['kubectl', 'auth', 'can-i', 'create', 'clusterrolebinding'], { mutates: false, allowFailure: true });
  if (!canI.planned && canI.stdout.trim() !== 'yes') {
    const why =
      canI.stdout.trim() === 'no'
        ? 'kubectl auth can-i create clusterrolebinding says no'
        : `kubectl failed: ${(canI.stderr || canI.stdout).trim().slice(0, 200)}`;
    problems.push(
      `Your Entra ID account cannot administer cluster ${ctx.answers.aksName} (${why}). Installing Ratify needs cluster-admin: ` +
        "membership in one of the cluster's aadProfile.adminGroupObjectIDs, " +
        'or the Azure Kubernetes Service RBAC Cluster Admin role when Azure RBAC is on.',
    );
  }
}

export const preflight = defineStep({
  id: 'preflight',
  title: 'Check tools, login, rights and cluster',
  explain: `
Read-only, and run every time (\`ratify-runbook doctor\` runs it alone). The blog assumes a
ready workstation; this step checks it: **az** (>= 2.61, where new Key Vaults
[default to Azure RBAC](docs/errata.md#key-vault-access-model)), **aks-preview** >= 0.5.96 when
Image Integrity has to be removed, **kubectl**, **helm** (its major decides the
[install flags](docs/errata.md#helm-4-flags)), **notation** with its azure-kv plugin (every
missing tool is listed at once, with how to install it); who is logged in, the subscription
and tenant; the caller's object id (what \`az ad signed-in-user show\` prints for a user, \`az ad
sp show\` for a service principal: read from the ARM token's \`oid\`, since \`/me\` fails for
non-user logins); the
caller's [**rights**](docs/errata.md#rights-before-changes), before anything is created: role
assignments on the vault and the registry (Owner, User Access Administrator or Role Based Access
Control Administrator), policy definitions and assignments (Resource Policy Contributor or
Owner); and the cluster: Kubernetes >= 1.27 (what current azure-policy add-ons need) and its
sign-in. A cluster with **Microsoft Entra ID** integration (\`aadProfile\`) gets a kubeconfig
whose kubelogin waits for a browser sign-in: the state dir's copy is
[converted](docs/errata.md#entra-id-kubelogin) with \`kubelogin convert-kubeconfig -l azurecli\`
(reusing \`az login\`), \`--admin\` credentials are never asked for, and \`kubectl auth can-i
create clusterrolebinding\` must say yes. The run's own kubeconfig in the state dir is written
again (\`az aks get-credentials\`) when it is missing or no longer reaches the cluster, as after a CI
cache that never keeps it.
`.trim(),
  needs: ['subscriptionId', 'resourceGroup', 'aksName', 'acrName', 'keyVaultName', 'keyVaultAuth', 'cleanupImageIntegrity'],
  after: ['provision-base'],
  produces: ['subscriptionId', 'tenantId', 'callerObjectId', 'callerType', 'helmMajor', 'entraId', 'notationVersion', 'pluginVersion'],
  rerunEveryTime: true,
  // Nothing to skip: it is the read-only check itself.
  check: async () => undefined,
  async run(ctx) {
    // The account is read as soon as az answers, while the other tools are still probed: on
    // Azure each az start takes about a second. Without az, no account is read.
    const subscriptionAnswer = ctx.answers.subscriptionId?.trim() || undefined;
    let accountRead: Promise<Account> | undefined;
    const tools = await checkTools(ctx, ctx.answers.cleanupImageIntegrity === true, TOOLS, (tool, probed) => {
      if (tool !== 'az' || (probed.exitCode !== 0 && !probed.planned)) return;
      accountRead = readAccount(ctx, subscriptionAnswer);
      accountRead.catch(() => {}); // awaited below, once the tools are reported
    });
    for (const line of tools.lines) ctx.log(line);
    for (const warning of tools.warnings) ctx.log(`warning: ${warning}`);
    const problems = [...tools.problems];
    // Without az nothing else can be read: report every missing tool now, at once.
    if (tools.missing.includes('az')) throw preflightFailed(problems);
    const account = await (accountRead ?? readAccount(ctx, subscriptionAnswer));
    const sub = account.subscriptionId;

    const { resourceGroup: rg, aksName } = ctx.answers;
    // The cluster and the caller's rights are read together.
    const clusterRead = ctx.azure.getById(clusterId(sub, rg, aksName), apiVersions.cluster, {
      shows: az(
        sub,
        'aks',
        'show',
        '-g',
        rg,
        '-n',
        aksName,
        '--query',
        '{kubernetes: currentKubernetesVersion, azurePolicy: addonProfiles.azurepolicy.enabled, entraId: aadProfile.managed}',
      ),
    });
    const assignmentsRead = callerAssignments(ctx, sub, account.callerObjectId);
    assignmentsRead.catch(() => {}); // awaited below, after the cluster is reported
    const cluster = await clusterRead;
    if (cluster) {
      const k8s = stringProp(cluster.properties, 'currentKubernetesVersion') ?? stringProp(cluster.properties, 'kubernetesVersion') ?? '';
      ctx.log(
        `cluster ${aksName}: Kubernetes ${k8s}, azure-policy add-on ${prop(cluster.properties, 'addonProfiles', 'azurepolicy', 'enabled') === true ? 'on' : 'off'}`,
      );
      if (!atLeast(k8s, '1.27.0'))
        problems.push(
          `Cluster ${aksName} runs Kubernetes ${k8s}; the azure-policy add-on needs >= 1.27: az aks upgrade -g ${rg} -n ${aksName} --kubernetes-version <version>`,
        );
    } else if (ctx.mode === 'run') {
      // A plan reads nothing; only a real run can say the cluster is missing.
      problems.push(
        `Cluster ${aksName} was not found in resource group ${rg} of subscription ${sub}: ` +
          'check resourceGroup/aksName/subscriptionId, or set createBaseResources: true.',
      );
    }
    const entraId = signsInWithEntraId(ctx, cluster);
    if (entraId) ctx.log(`cluster ${aksName} signs in with Microsoft Entra ID: the state dir's kubeconfig uses kubelogin with az login`);
    ctx.log(`subscription ${sub}, tenant ${account.tenantId}, caller ${account.callerType} ${account.callerObjectId}`);

    const assignments = await assignmentsRead;
    if (assignments !== 'planned') problems.push(...missingNeeds(assignments, permissionNeeds(ctx, sub), callerName(account)));
    if (entraId && (cluster || ctx.mode === 'plan')) await checkEntraIdCluster(ctx, sub, problems);
    // The run's own kubeconfig, written again when it is missing or stale: a resumed run's later
    // steps (Helm, the verify pods) need it, and a CI cache rightly never keeps its token.
    else if (cluster && ctx.mode === 'run' && !(await kubeconfigFor(ctx, aksName))) {
      await fetchCredentials(ctx, sub, rg, aksName, false);
    }

    if (problems.length > 0) throw preflightFailed(problems);
    const major = helmMajor(tools.helmVersion ?? '') ?? 4;
    return {
      ...account,
      helmMajor: String(major),
      entraId: String(entraId),
      notationVersion: tools.notationVersion ?? '',
      pluginVersion: tools.pluginVersion ?? '',
    };
  },
  knownFailures: [kubeloginDeviceCode, authorizationFailed],
  shell: {
    tenantId: (v) => [`${v}="$(${shellLine(account('tenantId'))})"`],
    callerType: (v) => [`if [[ "$(${shellLine(account('user.type'))})" == user ]]; then ${v}=User; else ${v}=ServicePrincipal; fi`],
    callerObjectId: (v) => [
      `if [[ "<preflight.callerType>" == User ]]; then`,
      `  ${v}="$(${shellLine(['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'])})"`,
      'else',
      `  ${v}="$(az ad sp show --id "$(${shellLine(account('user.name'))})" --query id -o tsv)"`,
      'fi',
    ],
    // The script tests the machine's Helm and the cluster's sign-in itself.
    helmMajor: (v) => [`${v}="$(${shellLine([...HELM_VERSION_ARGV])})"`, `${v}="\${${v}#v}"`, `${v}="\${${v}%%.*}"`],
    entraId: (v) => [
      `${v}="$(${shellLine(az(SUB, 'aks', 'show', '-g', RG, '-n', AKS, ...tsv('aadProfile.managed')))})"`,
      `[[ "\${${v}}" == true ]] || ${v}=false`,
    ],
  },
});

const [SUB, RG, AKS] = ['<answers.subscriptionId>', '<answers.resourceGroup>', '<answers.aksName>'];
const tsv = (query: string) => ['--query', query, '-o', 'tsv'];
const account = (query: string) => az(SUB, 'account', 'show', ...tsv(query));

function preflightFailed(problems: readonly string[]): Error {
  return new Error(`Preflight found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
}

function callerName(account: Account): string {
  const who = account.callerType === 'User' ? 'user' : 'service principal';
  return `The signed-in ${who} (${account.callerObjectId})`;
}
