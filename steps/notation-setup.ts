import { defineStep, type StepContext } from '../runner/step.js';
import { pluginNoexecTmp } from './_shared/known-failures.js';
import { tsvLines } from './_shared/tsv.js';
import { atLeast } from './_shared/versions.js';

export const NOTATION_VERSION = '1.3.2';
export const PLUGIN_VERSION = '1.2.1';

/** notation-azure-kv v1.2.1 release assets and their SHA-256 (Azure/notation-azure-kv README). */
const PLUGIN_SHA256: Readonly<Record<string, string>> = {
  linux_amd64: '67c5ccaaf28dd44d2b6572684d84e344a02c2258af1d65ead3910b3156d3eaf5',
  linux_arm64: '77bbdfb785e22f8b1cae46392200a453a428009c4450a8dc86e10551cc06f28e',
  darwin_amd64: '4c360d362a9448b46f98046257d5b270b2c5b1beb04c14263e59cead898902c9',
  darwin_arm64: 'bf6e07fdf309c194c99870c8a2a326fa14f9f7572fcf61948d1fcb3249ab3285',
};

export function notationInstallCommands(platform = 'linux_amd64'): string[] {
  const tarball = `notation_${NOTATION_VERSION}_${platform}.tar.gz`;
  return [
    `curl -Lo notation.tar.gz https://github.com/notaryproject/notation/releases/download/v${NOTATION_VERSION}/${tarball}`,
    'tar xzf notation.tar.gz notation && install -m 0755 notation /usr/local/bin/notation',
  ];
}

export function pluginInstallCommand(platform = 'linux_amd64'): string {
  const sha = PLUGIN_SHA256[platform] ?? PLUGIN_SHA256.linux_amd64;
  return `notation plugin install --url https://github.com/Azure/notation-azure-kv/releases/download/v${PLUGIN_VERSION}/notation-azure-kv_${PLUGIN_VERSION}_${platform}.tar.gz --sha256sum ${sha}`;
}

interface Found {
  readonly notation?: string;
  readonly plugin?: string;
  readonly pluginError?: string;
}

/** `notation version` ("Version:     1.3.2") and the azure-kv row of `notation plugin ls`. */
async function inspect(ctx: Pick<StepContext, 'cmd'>): Promise<Found & { planned: boolean }> {
  const version = await ctx.cmd.run(['notation', 'version'], { mutates: false, allowFailure: true });
  const notation = version.exitCode === 0 ? /Version:\s*(\S+)/.exec(version.stdout)?.[1] : undefined;
  if (!notation && !version.planned) return { planned: false };
  const plugins = await ctx.cmd.run(['notation', 'plugin', 'ls'], { mutates: false, allowFailure: true });
  if (plugins.planned) return { planned: true, notation: NOTATION_VERSION, plugin: PLUGIN_VERSION };
  // Columns NAME DESCRIPTION VERSION CAPABILITIES ERROR, tab-padded; ERROR is <nil> when healthy.
  const row = tsvLines(plugins.stdout).find((line) => /^azure-kv\s/.test(line));
  const plugin = row ? /\s(\d+\.\d+\.\d+\S*)\s/.exec(row)?.[1] : undefined;
  const pluginError = row && !/<nil>\s*$/.test(row) ? row.slice(row.lastIndexOf(']') + 1).trim() : undefined;
  return { planned: false, notation, plugin, pluginError };
}

/** v1 only: notation 2.x prints a different inspect JSON ("signatures") and changes referrers defaults. */
const notationOk = (v?: string) => v !== undefined && atLeast(v, NOTATION_VERSION) && v.replace(/^v/, '').startsWith('1.');
const pluginOk = (v?: string) => v !== undefined && atLeast(v, PLUGIN_VERSION) && v.startsWith('1.');

/** Preflight's findings when they pass this step's checks (anything less is inspected again, and explained). */
function seenByPreflight(ctx: Pick<StepContext, 'output'>): { notationVersion: string; pluginVersion: string } | undefined {
  let notationVersion: string;
  let pluginVersion: string;
  try {
    notationVersion = ctx.output('preflight', 'notationVersion');
    pluginVersion = ctx.output('preflight', 'pluginVersion');
  } catch {
    return undefined; // not recorded by this preflight
  }
  return notationOk(notationVersion) && pluginOk(pluginVersion) ? { notationVersion, pluginVersion } : undefined;
}

export const notationSetup = defineStep({
  id: 'notation-setup',
  title: 'Check Notation and the Azure Key Vault plugin',
  explain: `
Blog step 3, [current versions](docs/errata.md#notation-versions): **Notation
${NOTATION_VERSION}** and the **azure-kv plugin ${PLUGIN_VERSION}**, installed with
\`notation plugin install --url ... --sha256sum ...\` (Notation >= 1.1), which
[picks the right plugin directory](docs/errata.md#plugin-directory) on Linux and macOS instead
of the blog's hand-unpacked tarball. Preflight has just read both versions, so this step
runs nothing when they are current. The runbook does not install software: when something is
missing or too old it reads them again and stops with the exact commands.
`.trim(),
  needs: [],
  after: ['preflight'],
  produces: ['notationVersion', 'pluginVersion'],
  async check(ctx) {
    // Preflight, which runs first every time, has just run the same two commands.
    const seen = seenByPreflight(ctx);
    if (seen) {
      ctx.log(`preflight found notation ${seen.notationVersion} and the azure-kv plugin ${seen.pluginVersion}`);
      return seen;
    }
    const found = await inspect(ctx);
    return notationOk(found.notation) && pluginOk(found.plugin) && !found.pluginError
      ? { notationVersion: found.notation ?? '', pluginVersion: found.plugin ?? '' }
      : undefined;
  },
  async run(ctx) {
    const found = await inspect(ctx);
    const fixes: string[] = [];
    if (!notationOk(found.notation)) {
      fixes.push(`Notation ${NOTATION_VERSION} is needed (found: ${found.notation ?? 'none'}):`, ...notationInstallCommands());
    }
    if (!pluginOk(found.plugin) || found.pluginError) {
      const why = found.pluginError ? `reports an error: ${found.pluginError}` : `found: ${found.plugin ?? 'none'}`;
      fixes.push(`The azure-kv plugin ${PLUGIN_VERSION} is needed (${why}):`, pluginInstallCommand());
    }
    if (fixes.length > 0) {
      throw new Error(
        `${fixes.join('\n  ')}\nOther platforms: use the matching asset (linux_arm64, darwin_amd64, darwin_arm64) and its sha256 from https://github.com/Azure/notation-azure-kv/releases/tag/v${PLUGIN_VERSION}. Then run again.`,
      );
    }
    return { notationVersion: found.notation ?? '', pluginVersion: found.plugin ?? '' };
  },
  knownFailures: [pluginNoexecTmp],
});
