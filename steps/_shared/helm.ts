import type { StepContext } from '../../runner/step.js';

/**
 * Helm 4 (November 2025) is the current major; Helm 3 is still widely installed. One argv cannot
 * suit both: Helm 3 knows no --rollback-on-failure nor wait strategies, and Helm 4 deprecates
 * --atomic (helm/helm pkg/cmd/upgrade.go MarkDeprecated, flags.go AddWaitFlag).
 */
export const HELM_VERSION_ARGV = ['helm', 'version', '--template', '{{.Version}}'] as const;
export const CURRENT_HELM_MAJOR = 4;
export const SUPPORTED_HELM_MAJORS = [3, 4] as const;

/** v3.21.4 -> 3; undefined when it is not a Helm version. */
export function helmMajor(version: string): number | undefined {
  const m = /^v?(\d+)\.\d+\.\d+/.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}

/** The machine's Helm version; a plan assumes the one it was told (the machine's, else the current major). */
export async function readHelmVersion(ctx: Pick<StepContext, 'cmd' | 'mode' | 'assumptions'>): Promise<string | undefined> {
  const shown = await ctx.cmd.run([...HELM_VERSION_ARGV], { mutates: false, allowFailure: true });
  if (shown.planned) return ctx.assumptions.helmVersion ?? `v${CURRENT_HELM_MAJOR}.0.0`;
  return shown.exitCode === 0 ? shown.stdout.trim() : undefined;
}

/** Roll back a failed install and wait until Ratify is ready: --rollback-on-failure --wait=watcher on 4, --atomic --wait on 3. */
export function installFlags(major: number): string[] {
  return major >= 4 ? ['--rollback-on-failure', '--wait=watcher'] : ['--atomic', '--wait'];
}

/** Wait until the release's resources are gone: an explicit strategy on 4 (bare --wait means watcher there too). */
export function uninstallWaitFlag(major: number): string {
  return major >= 4 ? '--wait=watcher' : '--wait';
}
