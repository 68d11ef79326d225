import { splitFlag } from '../split-flag.js';
import { fail } from './common.js';

/**
 * helm as the simulated machine has it (--sandbox-tools helm=3|4): errors as `Error: <msg>` on
 * stderr, exit 1. Helm 4 (helm/helm pkg/cmd at v4.2.4) takes a wait
 * strategy (`--wait` alone is `watcher`, flags.go AddWaitFlag), renames --atomic to
 * --rollback-on-failure and --force to --force-replace (upgrade.go, install.go: MarkDeprecated,
 * so the old names still work with a warning); Helm 3 (cmd/helm at v3.21.4) knows none of that.
 */
const VALUE = new Set([
  '-n',
  '--namespace',
  '--version',
  '-f',
  '--values',
  '--set',
  '--set-string',
  '--set-json',
  '--timeout',
  '-o',
  '--output',
  '--kubeconfig',
  '--kube-context',
  '--template',
  '--repo',
  '--username',
  '--password',
  '--description',
  '--max',
  '--cascade',
  '--max-col-width',
  '--filter',
]);
const BOOL = new Set([
  '-i',
  '--install',
  '--create-namespace',
  '--dry-run',
  '--force-update',
  '--short',
  '--ignore-not-found',
  '-A',
  '--all-namespaces',
  '--reuse-values',
  '--reset-values',
  '--debug',
  '--all',
  '--devel',
  '--wait-for-jobs',
  '--skip-crds',
  '--keep-history',
  '--no-hooks',
  '--cleanup-on-fail',
  '-l',
  '--versions',
  '-r',
  '--regexp',
  '--fail-on-no-result',
]);
const BOOL_V3 = new Set(['--atomic', '--force', '--wait']);
const BOOL_V4 = new Set(['--atomic', '--force', '--rollback-on-failure', '--force-replace']);
/** pflag's MarkDeprecated message: `Flag --%s has been deprecated, %s`. */
const DEPRECATED_V4: Record<string, string> = { '--atomic': 'use --rollback-on-failure instead', '--force': 'use --force-replace instead' };
const WAIT_STRATEGIES = ['watcher', 'hookOnly', 'legacy'] as const;
const SHORT: Record<string, string> = {
  '-n': '--namespace',
  '-f': '--values',
  '-o': '--output',
  '-i': '--install',
  '-A': '--all-namespaces',
  '-l': '--versions',
  '-r': '--regexp',
};
/** Helm 4 keeps the old names as deprecated aliases of these. */
const RENAMED_V4: Record<string, string> = { '--atomic': '--rollback-on-failure', '--force': '--force-replace' };
const APPEND = new Set(['-f', '--values', '--set', '--set-string', '--set-json']);

export interface Parsed {
  cmd: string[];
  flags: Map<string, string>;
  multi: { flag: string; value: string }[];
  /** Deprecation warnings helm prints on stderr before it runs (Helm 4). */
  warnings: string[];
}

export function parse(argv: readonly string[], major: number): Parsed {
  const flags = new Map<string, string>();
  const multi: { flag: string; value: string }[] = [];
  const cmd: string[] = [];
  const warnings: string[] = [];
  const bools = major >= 4 ? BOOL_V4 : BOOL_V3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      cmd.push(a);
      continue;
    }
    const { name, value: inline } = splitFlag(a);
    let value = inline;
    const canon = SHORT[name] ?? name;
    if (VALUE.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw fail(`flag needs an argument: ${name}`);
      }
      if (APPEND.has(name)) multi.push({ flag: canon, value });
      else flags.set(canon, value);
    } else if (name === '--wait' && major >= 4) {
      flags.set('--wait', waitStrategy(value ?? 'watcher', warnings));
    } else if (BOOL.has(name) || bools.has(name)) {
      if (value !== undefined && !['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(value)) {
        throw fail(`invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      }
      const on = value === undefined || ['true', '1', 't', 'TRUE', 'True'].includes(value);
      if (major >= 4 && DEPRECATED_V4[name]) warnings.push(`Flag ${name} has been deprecated, ${DEPRECATED_V4[name]}`);
      const key = major >= 4 ? (RENAMED_V4[canon] ?? canon) : canon;
      flags.set(key, on ? 'true' : 'false');
    } else throw fail(`unknown flag: ${name}`);
  }
  return { cmd, flags, multi, warnings };
}

/** Helm 4's WaitStrategy flag value (pkg/cmd/flags.go waitValue.Set). */
function waitStrategy(value: string, warnings: string[]): string {
  if ((WAIT_STRATEGIES as readonly string[]).includes(value)) return value;
  if (value === 'true' || value === 'false') {
    const instead = value === 'true' ? 'watcher' : 'hookOnly';
    warnings.push(`level=WARN msg="--wait=${value} is deprecated (boolean value) and can be replaced with --wait=${instead}"`);
    return instead;
  }
  const valid = 'watcher, hookOnly, and legacy';
  throw fail(`invalid argument "${value}" for "--wait" flag: invalid wait input "${value}". Valid inputs are ${valid}`);
}

/** Whether an install/upgrade waits for the resources: Helm 3 --wait/--atomic; Helm 4 watcher, legacy, or rollback-on-failure. */
export function waits(p: Parsed, major: number): boolean {
  if (major >= 4) return ['watcher', 'legacy'].includes(p.flags.get('--wait') ?? '') || p.flags.get('--rollback-on-failure') === 'true';
  return p.flags.get('--wait') === 'true' || p.flags.get('--atomic') === 'true';
}

export const rollsBack = (p: Parsed, major: number): boolean => p.flags.get(major >= 4 ? '--rollback-on-failure' : '--atomic') === 'true';

/** `--timeout 5m0s` (Go duration) in milliseconds; helm's default is five minutes. */
export const timeoutOf = (s: string | undefined): number => {
  if (!s) return 5 * 60_000;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2]!]!;
  return total || 5 * 60_000;
};
