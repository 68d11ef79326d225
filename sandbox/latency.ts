/**
 * Latency profiles (`--sandbox-latency`). Durations are what the real services take
 * (Learn: the add-on syncs every 15 minutes; RBAC propagation "up to ten minutes";
 * AKS updates take minutes); `demo` shrinks them so the whole walkthrough fits well under a
 * minute with the waits still visible; `instant` makes everything zero for tests.
 */
export type DurationKey =
  | 'policySync'
  | 'aksUpdate'
  | 'aksAddon'
  | 'imageIntegrityRemoval'
  | 'acrBuild'
  | 'vaultCreate'
  | 'certCreate'
  | 'rbacPropagation'
  | 'ficPropagation'
  | 'helmInstall'
  | 'providerRegister'
  | 'armWrite'
  | 'notationSign'
  | 'podStart';

const REALISTIC_MS: Record<DurationKey, number> = {
  policySync: 15 * 60_000,
  aksUpdate: 4 * 60_000,
  aksAddon: 5 * 60_000,
  imageIntegrityRemoval: 3 * 60_000,
  acrBuild: 60_000,
  vaultCreate: 20_000,
  certCreate: 10_000,
  rbacPropagation: 5 * 60_000,
  ficPropagation: 60_000,
  helmInstall: 90_000,
  providerRegister: 2 * 60_000,
  armWrite: 3_000,
  notationSign: 3_000,
  podStart: 10_000,
};

const DEMO_MS: Record<DurationKey, number> = {
  policySync: 6_000,
  aksUpdate: 1_500,
  aksAddon: 1_500,
  imageIntegrityRemoval: 2_000,
  acrBuild: 1_500,
  vaultCreate: 500,
  certCreate: 500,
  rbacPropagation: 1_000,
  ficPropagation: 1_000,
  helmInstall: 2_000,
  providerRegister: 500,
  armWrite: 150,
  notationSign: 300,
  podStart: 500,
};

export interface LatencyProfile {
  readonly spec: string;
  readonly name: 'instant' | 'demo' | 'realistic';
  readonly scale: number;
  ms(key: DurationKey): number;
}

export const LATENCY_FORMS = 'instant | demo | realistic | realistic:SCALE (SCALE a positive number, e.g. realistic:0.01)';

export function parseLatency(spec: string): LatencyProfile {
  const s = spec.trim();
  const m = /^(instant|demo|realistic)(?::(.+))?$/.exec(s);
  if (!m || (m[2] !== undefined && m[1] !== 'realistic')) {
    throw new Error(`invalid --sandbox-latency '${spec}': expected ${LATENCY_FORMS}`);
  }
  const name = m[1] as LatencyProfile['name'];
  let scale = 1;
  if (m[2] !== undefined) {
    scale = Number(m[2]);
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(m[2]) || !Number.isFinite(scale) || scale <= 0) {
      throw new Error(`invalid --sandbox-latency '${spec}': SCALE must be a positive number (${LATENCY_FORMS})`);
    }
  }
  const table = name === 'realistic' ? REALISTIC_MS : name === 'demo' ? DEMO_MS : undefined;
  return {
    spec: s,
    name,
    scale,
    ms: (key) => (table ? Math.round(table[key] * scale) : 0),
  };
}
