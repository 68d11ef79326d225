import type { CommandRunner } from '../../runner/command-types.js';
import { parseJson, stringProp } from '../_shared/json.js';
import { tsvLines } from '../_shared/tsv.js';
import { atLeast } from '../_shared/versions.js';
import { notationInstallCommands, NOTATION_VERSION, pluginInstallCommand, PLUGIN_VERSION } from '../notation-setup.js';

/** What this run needs beyond the always-needed tools. */
export interface ToolNeeds {
  /** Removing Image Integrity needs the aks-preview extension. */
  readonly aksPreview: boolean;
  /** A cluster that signs in with Microsoft Entra ID needs kubelogin for kubectl and helm. */
  readonly kubelogin: boolean;
}

/** One tool: how to probe it (an argv, spawned directly), what its answer means, how to install it. */
export interface ToolSpec {
  readonly name: string;
  readonly probe: readonly string[];
  readonly needed: (needs: ToolNeeds) => boolean;
  /** The version the probe printed (undefined: it ran but did not say, which counts as broken). */
  readonly version: (stdout: string) => string | undefined;
  readonly install: string;
  /** Checks on a working tool (extensions, plugins): problems stop the run, warnings do not. */
  readonly more?: (cmd: CommandRunner, stdout: string, needs: ToolNeeds) => Promise<Partial<Findings>>;
}

interface Findings {
  readonly lines: string[];
  readonly warnings: string[];
  readonly problems: string[];
}

/** What the tool checks found: versions to show, warnings to log, problems that stop the run. */
export interface ToolReport extends Findings {
  /** Names of needed tools that are missing or broken (az among them means no account can be read). */
  readonly missing: string[];
}

const read = { mutates: false, allowFailure: true } as const;

const az: ToolSpec = {
  name: 'az',
  // Not subscription-scoped: `az version` takes no --subscription.
  probe: ['az', 'version', '-o', 'json'],
  needed: () => true,
  version: (out) => stringProp(parseJson<Record<string, unknown>>(out, 'az version'), 'azure-cli'),
  install:
    'https://learn.microsoft.com/cli/azure/install-azure-cli (Debian/Ubuntu: curl -sL https://aka.ms/InstallAzureCLIDeb | sudo bash)',
  async more(_cmd, out, needs) {
    const info = parseJson<Record<string, unknown>>(out, 'az version');
    const version = stringProp(info, 'azure-cli') ?? '';
    const warnings = atLeast(version, '2.61.0')
      ? []
      : [
          `az ${version} is older than 2.61: it creates access-policy vaults by default; ` +
            'the runbook passes --enable-rbac-authorization explicitly, but upgrade if you can.',
        ];
    const preview = stringProp(info, 'extensions', 'aks-preview');
    const problems = needs.aksPreview && (!preview || !atLeast(preview, '0.5.96'))
      ? [`Removing Image Integrity needs the aks-preview extension >= 0.5.96 (found: ${preview ?? 'none'}): ` +
          'az extension add --name aks-preview --upgrade']
      : [];
    return { warnings, problems };
  },
};

const kubectl: ToolSpec = {
  name: 'kubectl',
  probe: ['kubectl', 'version', '--client', '-o', 'json'],
  needed: () => true,
  version: (out) => stringProp(parseJson(out, 'kubectl version'), 'clientVersion', 'gitVersion'),
  install: 'az aks install-cli (or https://kubernetes.io/docs/tasks/tools/)',
};

const helm: ToolSpec = {
  name: 'helm',
  probe: ['helm', 'version', '--template', '{{.Version}}'],
  needed: () => true,
  version: (out) => out.trim() || undefined,
  install: 'https://helm.sh/docs/intro/install/ (curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash)',
};

const notation: ToolSpec = {
  name: 'notation',
  probe: ['notation', 'version'],
  needed: () => true,
  version: (out) => /Version:\s*(\S+)/.exec(out)?.[1],
  install: `notation ${NOTATION_VERSION}: ${notationInstallCommands().join(' && ')}`,
  async more(cmd) {
    // Columns NAME DESCRIPTION VERSION CAPABILITIES ERROR; ERROR is <nil> when healthy.
    const plugins = await cmd.run(['notation', 'plugin', 'ls'], read);
    if (plugins.planned) return {};
    const row = tsvLines(plugins.stdout).find((line) => /^azure-kv\s/.test(line));
    const version = row ? /\s(\d+\.\d+\.\d+\S*)\s/.exec(row)?.[1] : undefined;
    const healthy = /<nil>\s*$/.test(row ?? '');
    if (version && atLeast(version, PLUGIN_VERSION) && healthy) return { lines: [`notation plugin azure-kv ${version}`] };
    const found = version ?? 'none';
    return { problems: [`the notation azure-kv plugin ${PLUGIN_VERSION} is needed (found: ${found}): ${pluginInstallCommand()}`] };
  },
};

const kubelogin: ToolSpec = {
  name: 'kubelogin',
  probe: ['kubelogin', '--version'],
  needed: (needs) => needs.kubelogin,
  version: (out) => /\bv?(\d+\.\d+\.\d+\S*)/.exec(out)?.[1],
  install: 'az aks install-cli (installs kubectl and kubelogin), or https://azure.github.io/kubelogin/install.html',
};

/** Every tool the runbook may run, in the order a report lists them. */
export const TOOLS: readonly ToolSpec[] = [az, kubectl, helm, notation, kubelogin];

/**
 * Probes every needed tool at once and reports all that are missing, each with how to install
 * it: one look at the report tells a person everything to fix.
 */
export async function checkTools(cmd: CommandRunner, needs: ToolNeeds, tools: readonly ToolSpec[] = TOOLS): Promise<ToolReport> {
  const report: ToolReport = { lines: [], warnings: [], problems: [], missing: [] };
  const results = await Promise.all(
    tools.filter((tool) => tool.needed(needs)).map(async (tool) => {
      const probed = await cmd.run(tool.probe, read);
      if (probed.planned) return {};
      const version = probed.exitCode === 0 ? safeVersion(tool, probed.stdout) : undefined;
      if (version === undefined) {
        const failed = `failed (exit ${probed.exitCode})`;
        const why = probed.exitCode === 127 ? 'not found on PATH' : probed.exitCode === 0 ? 'gave no version' : failed;
        return { missing: tool.name, problems: [`${tool.name}: ${why}. Install: ${tool.install}`] };
      }
      const more = (await tool.more?.(cmd, probed.stdout, needs)) ?? {};
      return { ...more, lines: [`${tool.name} ${version}`, ...(more.lines ?? [])] };
    }),
  );
  for (const r of results as (Partial<Findings> & { missing?: string })[]) {
    report.lines.push(...(r.lines ?? []));
    report.warnings.push(...(r.warnings ?? []));
    report.problems.push(...(r.problems ?? []));
    if (r.missing) report.missing.push(r.missing);
  }
  return report;
}

function safeVersion(tool: ToolSpec, stdout: string): string | undefined {
  try {
    return tool.version(stdout);
  } catch {
    return undefined;
  }
}
