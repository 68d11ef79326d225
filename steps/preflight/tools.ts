import type { CommandResult, CommandRunner } from '../../runner/command-types.js';
import { parseJson, stringProp } from '../_shared/json.js';
import { tsvLines } from '../_shared/tsv.js';
import { atLeast } from '../_shared/versions.js';
import type { StepContext } from '../../runner/step.js';
import { helmMajor, HELM_VERSION_ARGV, SUPPORTED_HELM_MAJORS } from '../_shared/helm.js';
import { notationInstallCommands, NOTATION_VERSION, pluginInstallCommand, PLUGIN_VERSION } from '../notation-setup.js';

/** What the tool checks found: versions to show, warnings to log, problems that stop the run. */
export interface ToolReport {
  readonly lines: string[];
  readonly warnings: string[];
  readonly problems: string[];
  /** Tools that are missing or broken (az among them means no account can be read). */
  readonly missing: string[];
  /** What `helm version --template '{{.Version}}'` printed (a plan's assumption), when helm runs. */
  helmVersion?: string;
  /** notation's version and the healthy azure-kv plugin's, as found (notation-setup reuses them). */
  notationVersion?: string;
  pluginVersion?: string;
}

type Ctx = Pick<StepContext, 'cmd' | 'mode' | 'assumptions'>;

/**
 * One tool: how it is probed (an argv the runner spawns; doctor spawns it without a shell), what
 * a working answer means, how to install it. Every tool is probed at once and every missing one
 * reported at once, each with its install line.
 */
export interface ToolSpec {
  readonly name: string;
  readonly probe: readonly string[];
  readonly install: string;
  readonly needed: (needs: { readonly aksPreview: boolean }) => boolean;
  /** A second read of the same tool, started with the probe (its answer is read only when the probe worked). */
  readonly alongside?: readonly string[];
  /** Reads a working tool's answer: its version line, warnings and problems (e.g. a too-old version). */
  readonly inspect: (
    ctx: Ctx,
    probed: CommandResult,
    report: ToolReport,
    needs: { readonly aksPreview: boolean },
    alongside?: CommandResult,
  ) => Promise<void> | void;
}

const read = { mutates: false, allowFailure: true } as const;

export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'az',
    // `az version` is not subscription-scoped and takes no --subscription.
    probe: ['az', 'version', '-o', 'json'],
    install:
      'https://learn.microsoft.com/cli/azure/install-azure-cli (Debian/Ubuntu: curl -sL https://aka.ms/InstallAzureCLIDeb | sudo bash)',
    needed: () => true,
    inspect(_ctx, probed, report, needs) {
      const info = parseJson<Record<string, unknown>>(probed.stdout, 'az version');
      const version = stringProp(info, 'azure-cli') ?? '';
      report.lines.push(`az ${version}`);
      if (!atLeast(version, '2.61.0')) {
        report.warnings.push(
          `az ${version} is older than 2.61: it creates access-policy vaults by default; ` +
            'the runbook passes --enable-rbac-authorization explicitly, but upgrade if you can.',
        );
      }
      const preview = stringProp(info, 'extensions', 'aks-preview');
      if (needs.aksPreview && (!preview || !atLeast(preview, '0.5.96'))) {
        report.problems.push(
          `Removing Image Integrity needs the aks-preview extension >= 0.5.96 (found: ${preview ?? 'none'}): ` +
            'az extension add --name aks-preview --upgrade',
        );
      }
    },
  },
  {
    name: 'kubectl',
    probe: ['kubectl', 'version', '--client', '-o', 'json'],
    install: 'az aks install-cli (or https://kubernetes.io/docs/tasks/tools/)',
    needed: () => true,
    inspect(_ctx, probed, report) {
      report.lines.push(`kubectl ${stringProp(parseJson(probed.stdout, 'kubectl version'), 'clientVersion', 'gitVersion') ?? '?'}`);
    },
  },
  {
    name: 'helm',
    probe: [...HELM_VERSION_ARGV],
    install: 'https://helm.sh/docs/intro/install/ (Helm 4, or Helm 3)',
    needed: () => true,
    inspect(ctx, probed, report) {
      const version = probed.stdout.trim();
      const major = helmMajor(version);
      if (major === undefined || !(SUPPORTED_HELM_MAJORS as readonly number[]).includes(major)) {
        const install = 'https://helm.sh/docs/intro/install/';
        report.problems.push(`helm ${version} is not supported: the runbook knows the flags of Helm 3 and Helm 4 (${install}).`);
        return;
      }
      report.helmVersion = version;
      const flags = major >= 4 ? '--rollback-on-failure --wait=watcher' : '--atomic --wait';
      if (ctx.mode === 'run') report.lines.push(`helm ${version} (Helm ${major}: ${flags})`);
    },
  },
  {
    name: 'notation',
    probe: ['notation', 'version'],
    alongside: ['notation', 'plugin', 'ls'],
    install: `notation ${NOTATION_VERSION}: ${notationInstallCommands().join(' && ')}`,
    needed: () => true,
    async inspect(ctx, probed, report, _needs, alongside) {
      const version = /Version:\s*(\S+)/.exec(probed.stdout)?.[1];
      if (!version) {
        report.problems.push(`notation gave no version; reinstall notation ${NOTATION_VERSION}: ${notationInstallCommands().join(' && ')}`);
        return;
      }
      report.lines.push(`notation ${version}`);
      report.notationVersion = version;
      // Columns NAME DESCRIPTION VERSION CAPABILITIES ERROR; ERROR is <nil> when healthy.
      const plugins = alongside ?? (await ctx.cmd.run(['notation', 'plugin', 'ls'], read));
      if (plugins.planned) return;
      const row = tsvLines(plugins.stdout).find((line) => /^azure-kv\s/.test(line));
      const plugin = row ? /\s(\d+\.\d+\.\d+\S*)\s/.exec(row)?.[1] : undefined;
      if (plugin && atLeast(plugin, PLUGIN_VERSION) && /<nil>\s*$/.test(row ?? '')) {
        report.lines.push(`notation plugin azure-kv ${plugin}`);
        report.pluginVersion = plugin;
        return;
      }
      const found = plugin ?? 'none';
      report.problems.push(`the notation azure-kv plugin ${PLUGIN_VERSION} is needed (found: ${found}): ${pluginInstallCommand()}`);
    },
  },
];

/** Every needed tool probed in parallel (each is a process start-up); all that are missing reported at once. */
export async function checkTools(
  ctx: Ctx,
  needAksPreview: boolean,
  tools: readonly ToolSpec[] = TOOLS,
  /** Told each probe's answer as it comes (preflight reads the account as soon as az answers). */
  onProbe: (tool: string, probed: CommandResult) => void = () => {},
): Promise<ToolReport> {
  const cmd: CommandRunner = ctx.cmd;
  const needs = { aksPreview: needAksPreview };
  const report: ToolReport = { lines: [], warnings: [], problems: [], missing: [] };
  const wanted = tools.filter((tool) => tool.needed(needs));
  const probes = await Promise.all(
    wanted.map((tool) =>
      Promise.all([
        cmd.run(tool.probe, read).then((probed) => {
          onProbe(tool.name, probed);
          return probed;
        }),
        // A plan reads no tool's answer, so it needs no second read either.
        tool.alongside && ctx.mode !== 'plan' ? cmd.run(tool.alongside, read) : undefined,
      ]),
    ),
  );
  for (const [i, tool] of wanted.entries()) {
    const [probed, alongside] = probes[i]!;
    if (probed.planned) {
      // A plan assumes the machine it was told about (the Helm major decides the install flags).
      if (tool.name === 'helm') report.helmVersion = ctx.assumptions.helmVersion ?? 'v4.0.0';
      continue;
    }
    if (probed.exitCode !== 0) {
      const why = probed.exitCode === 127 ? 'not found on PATH' : `failed (exit ${probed.exitCode})`;
      report.problems.push(`${tool.name}: ${why}. Install: ${tool.install}`);
      report.missing.push(tool.name);
      continue;
    }
    try {
      await tool.inspect(ctx, probed, report, needs, alongside);
    } catch (error) {
      report.problems.push(`${tool.name} answered something unreadable (${(error as Error).message}). Install: ${tool.install}`);
      report.missing.push(tool.name);
    }
  }
  return report;
}
