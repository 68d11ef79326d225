/**
 * The sandbox controls that shape the simulated machine and tenant:
 * `--sandbox-tools NAME=VERSION[,...]`, `--sandbox-cluster local-accounts|entra-id` and
 * `--sandbox-caller owner|contributor`. Light to import: the CLI validates flags with it
 * before anything starts.
 */

/** The Helm 3 release the fake helm was written against, and the current Helm 4 (helm/helm tags). */
export const HELM_3 = 'v3.21.4';
export const HELM_4 = 'v4.2.4';
export const DEFAULT_HELM = HELM_4;

export const CLUSTER_SIGN_INS = ['local-accounts', 'entra-id'] as const;
export type ClusterSignIn = (typeof CLUSTER_SIGN_INS)[number];

export const CALLERS = ['owner', 'contributor'] as const;
export type CallerProfile = (typeof CALLERS)[number];

export interface SandboxTools {
  /** What `helm version --template '{{.Version}}'` prints, e.g. v4.2.4. Kept in the world. */
  readonly helm?: string;
  /**
   * `real`: the machine's own kubectl, behind a shim that logs the call and applies --sandbox-fault,
   * against the clusters' Kubernetes API; `fake` (the default): the sandbox's client of the same API.
   * For the invocation that names it only: it is which binary runs here, not part of the simulated world.
   */
  readonly kubectl?: 'fake' | 'real';
}

const TOOLS_USAGE =
  'expected NAME=VERSION[,...]: helm=3, helm=4 or a full Helm version such as helm=3.19.2 or helm=v4.2.4;' +
  ' kubectl=real or kubectl=fake';

/** `helm=3,kubectl=real` -> { helm: 'v3.21.4', kubectl: 'real' }; throws an Error naming the allowed forms. */
export function parseSandboxTools(spec: string): SandboxTools {
  const tools: { helm?: string; kubectl?: 'fake' | 'real' } = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    const version = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!name || !version) throw new Error(`invalid --sandbox-tools '${spec}': ${TOOLS_USAGE}`);
    if (name === 'kubectl') {
      if (version !== 'real' && version !== 'fake') {
        throw new Error(`invalid --sandbox-tools '${spec}': kubectl must be one of fake, real (got '${version}')`);
      }
      tools.kubectl = version;
      continue;
    }
    if (name !== 'helm') {
      const why = `the sandbox's tools can be chosen for helm and kubectl only (got '${name}')`;
      throw new Error(`invalid --sandbox-tools '${spec}': ${why}; ${TOOLS_USAGE}`);
    }
    tools.helm = helmVersion(version, spec);
  }
  if (Object.keys(tools).length === 0) throw new Error(`invalid --sandbox-tools '${spec}': ${TOOLS_USAGE}`);
  return tools;
}

function helmVersion(version: string, spec: string): string {
  if (version === '3') return HELM_3;
  if (version === '4') return HELM_4;
  const m = /^v?([34])\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`invalid --sandbox-tools '${spec}': Helm ${version} is not simulated; ${TOOLS_USAGE}`);
  return `v${m[1]}.${m[2]}.${m[3]}`;
}

export function parseClusterSignIn(value: string): ClusterSignIn {
  if ((CLUSTER_SIGN_INS as readonly string[]).includes(value)) return value as ClusterSignIn;
  throw new Error(`invalid --sandbox-cluster '${value}': expected one of ${CLUSTER_SIGN_INS.join(', ')}`);
}

export function parseCaller(value: string): CallerProfile {
  if ((CALLERS as readonly string[]).includes(value)) return value as CallerProfile;
  throw new Error(`invalid --sandbox-caller '${value}': expected one of ${CALLERS.join(', ')}`);
}

/** The major version of a Helm version string (v3.21.4 -> 3). */
export const helmMajorOf = (version: string): number => Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
