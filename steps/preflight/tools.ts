import type { CommandRunner } from '../../runner/command-types.js';
import { parseJson, stringProp } from '../_shared/json.js';
import { atLeast } from '../_shared/versions.js';
import type { StepContext } from '../../runner/step.js';
import { helmMajor, readHelmVersion, SUPPORTED_HELM_MAJORS } from '../_shared/helm.js';

/** What the tool checks found: versions to show, warnings to log, problems that stop the run. */
export interface ToolReport {
  readonly lines: string[];
  readonly warnings: string[];
  readonly problems: string[];
  /** What `helm version --template '{{.Version}}'` printed (a plan's assumption), when helm runs. */
  helmVersion?: string;
}

const read = { mutates: false, allowFailure: true } as const;

/** az, kubectl, helm and notation versions, read in parallel (each is a process start-up). */
export async function checkTools(ctx: Pick<StepContext, 'cmd' | 'mode' | 'assumptions'>, needAksPreview: boolean): Promise<ToolReport> {
  const cmd: CommandRunner = ctx.cmd;
  const report: ToolReport = { lines: [], warnings: [], problems: [] };
  const [azv, kubectl, helmVersion, notation] = await Promise.all([
    // `az version` is not subscription-scoped and takes no --subscription.
    cmd.run(['az', 'version', '-o', 'json'], read),
    cmd.run(['kubectl', 'version', '--client', '-o', 'json'], read),
    readHelmVersion(ctx),
    cmd.run(['notation', 'version'], read),
  ]);

  if (azv.exitCode !== 0) report.problems.push('az (Azure CLI) is missing or broken: https://learn.microsoft.com/cli/azure/install-azure-cli');
  else if (!azv.planned) {
    const info = parseJson<Record<string, unknown>>(azv.stdout, 'az version');
    const version = stringProp(info, 'azure-cli') ?? '';
    report.lines.push(`az ${version}`);
    if (!atLeast(version, '2.61.0')) {
      report.warnings.push(`az ${version} is older than 2.61: it creates access-policy vaults by default; the runbook passes --enable-rbac-authorization explicitly, but upgrade if you can.`);
    }
    const preview = stringProp(info, 'extensions', 'aks-preview');
    if (needAksPreview && (!preview || !atLeast(preview, '0.5.96'))) {
      report.problems.push(`Removing Image Integrity needs the aks-preview extension >= 0.5.96 (found: ${preview ?? 'none'}): az extension add --name aks-preview --upgrade`);
    }
  }

  if (kubectl.exitCode !== 0) report.problems.push('kubectl is missing: az aks install-cli (or https://kubernetes.io/docs/tasks/tools/)');
  else if (!kubectl.planned) report.lines.push(`kubectl ${stringProp(parseJson(kubectl.stdout, 'kubectl version'), 'clientVersion', 'gitVersion') ?? '?'}`);

  const major = helmVersion === undefined ? undefined : helmMajor(helmVersion);
  if (helmVersion === undefined) report.problems.push('helm is missing: https://helm.sh/docs/intro/install/ (Helm 4, or Helm 3)');
  else if (major === undefined || !(SUPPORTED_HELM_MAJORS as readonly number[]).includes(major)) {
    const install = 'https://helm.sh/docs/intro/install/';
    report.problems.push(`helm ${helmVersion} is not supported: the runbook knows the flags of Helm 3 and Helm 4 (${install}).`);
  } else {
    report.helmVersion = helmVersion;
    const flags = major >= 4 ? '--rollback-on-failure --wait=watcher' : '--atomic --wait';
    if (ctx.mode === 'run') report.lines.push(`helm ${helmVersion} (Helm ${major}: ${flags})`);
  }

  // notation-setup stops with the exact install commands; here it is only reported.
  const notationVersion = /Version:\s*(\S+)/.exec(notation.stdout)?.[1];
  if (notation.exitCode !== 0 || !notationVersion) {
    if (!notation.planned) report.warnings.push('notation is not installed yet: the notation-setup step shows how to install 1.3.2 and the azure-kv plugin.');
  } else report.lines.push(`notation ${notationVersion}`);
  return report;
}
