/**
 * `--sandbox-fault SPEC` (sandbox/README.md): `<argv prefix>=<kind>[*N]`. The prefix is the leading
 * words of the command; the first N matching calls fail (default 1, `*0` = every call).
 * Faults belong to the invocation that names them and are never persisted. `crash` applies the
 * call (durably) and then SIGKILLs the invoking process before it gets the answer.
 */
export const FAULT_KINDS = ['transient', 'conflict', 'propagation', 'permanent', 'hang', 'crash'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly spec: string;
  readonly prefix: readonly string[];
  readonly kind: FaultKind;
  /** 0 = every matching call. */
  readonly count: number;
}

export function parseFaultSpec(spec: string): FaultSpec {
  const eq = spec.lastIndexOf('=');
  const usage = `expected '<argv prefix>=<kind>[*N]' with kind one of ${FAULT_KINDS.join(', ')}, e.g. 'az keyvault certificate create=transient*2'`;
  if (eq <= 0) throw new Error(`invalid --sandbox-fault '${spec}': ${usage}`);
  const prefix = spec.slice(0, eq).trim().split(/\s+/).filter(Boolean);
  const m = /^([a-z]+)(?:\*(\d+))?$/.exec(spec.slice(eq + 1).trim());
  if (prefix.length === 0 || !m) throw new Error(`invalid --sandbox-fault '${spec}': ${usage}`);
  const kind = m[1] as FaultKind;
  if (!FAULT_KINDS.includes(kind)) throw new Error(`invalid --sandbox-fault '${spec}': unknown kind '${m[1]}'; ${usage}`);
  if (!['az', 'kubectl', 'helm', 'notation'].includes(prefix[0] ?? '')) {
    throw new Error(`invalid --sandbox-fault '${spec}': the prefix must start with a sandbox tool (az, kubectl, helm, notation)`);
  }
  return { spec, prefix, kind, count: m[2] === undefined ? 1 : Number(m[2]) };
}

/** Counts matches per spec for one invocation (a session). */
export class FaultPlan {
  readonly faults: readonly FaultSpec[];
  private readonly used: number[];
  constructor(faults: readonly FaultSpec[]) {
    this.faults = faults;
    this.used = faults.map(() => 0);
  }
  /** The fault this call must suffer, if any (and counts it). */
  take(argv: readonly string[]): FaultKind | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.prefix.length > argv.length || !f.prefix.every((w, j) => argv[j] === w)) continue;
      if (f.count !== 0 && this.used[i]! >= f.count) continue;
      this.used[i]! += 1;
      return f.kind;
    }
    return undefined;
  }
}
