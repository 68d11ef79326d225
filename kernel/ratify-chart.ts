/**
 * The Ratify chart line the runbook writes values for: 1.15.x (app v1.4.x) share the values
 * keys of 1.15.0. The default stays the version Microsoft's Learn article prescribes.
 */
export const DEFAULT_RATIFY_CHART = '1.15.0';
export const RATIFY_CHART_LINE = '1.15';

/** A patch of the line known to break this setup, and the upstream page that says why. */
export interface DeniedChartVersion {
  readonly version: string;
  readonly reason: string;
  /** The upstream issue or release note: an entry without one does not belong here. */
  readonly url: string;
}

/**
 * Known-broken patches of the line (a workload-identity regression, an image moved to another
 * registry...). Empty today: no 1.15.x patch after 1.15.0 has been reported broken for this setup.
 */
export const DENIED_RATIFY_CHARTS: readonly DeniedChartVersion[] = [];

const PATCH = /^(\d+)\.(\d+)\.(\d+)$/;

/** Undefined when `version` is a usable 1.15.x; else what is wrong, naming the upstream reason of a denied patch. */
export function ratifyChartProblem(version: string, denied: readonly DeniedChartVersion[] = DENIED_RATIFY_CHARTS): string | undefined {
  const m = PATCH.exec(version);
  if (!m || `${m[1]}.${m[2]}` !== RATIFY_CHART_LINE) {
    const example = `such as ${DEFAULT_RATIFY_CHART}`;
    return `must be a ${RATIFY_CHART_LINE}.x chart version ${example} (the runbook writes that line's values keys; no "v" prefix).`;
  }
  const entry = denied.find((d) => d.version === version);
  if (!entry) return undefined;
  const instead = `use ${DEFAULT_RATIFY_CHART} or another ${RATIFY_CHART_LINE}.x patch`;
  return `${version} is known to break this setup (${entry.reason}: ${entry.url}); ${instead}.`;
}

/** The newest version of the line among `versions` that is newer than `current` and not denied. */
export function newerPatch(
  current: string,
  versions: readonly string[],
  denied: readonly DeniedChartVersion[] = DENIED_RATIFY_CHARTS,
): string | undefined {
  const patch = (v: string) => Number(PATCH.exec(v)?.[3] ?? -1);
  const candidates = versions.filter((v) => ratifyChartProblem(v, denied) === undefined && patch(v) > patch(current));
  return candidates.sort((a, b) => patch(b) - patch(a))[0];
}
