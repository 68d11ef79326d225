import { splitFlag } from '../../split-flag.js';
import { ToolError } from '../../tool-result.js';

/** kubectl's command line (cobra): global and per-verb flags, `--` and the positionals. */
export interface Parsed {
  verb: string;
  args: string[];
  /** After `--` (kubectl run's container command or args). */
  rest: string[];
  flags: Map<string, string>;
  /** Every value of a repeatable flag (-f, --env, --from-literal). */
  multi: Map<string, string[]>;
}

const VALUE_FLAGS = new Set([
  '--namespace',
  '--kubeconfig',
  '--context',
  '--output',
  '--selector',
  '--image',
  '--restart',
  '--dry-run',
  '--timeout',
  '--tail',
  '--container',
  '--for',
  '--grace-period',
  '--labels',
  '--request-timeout',
  '--filename',
  '--field-selector',
  '--sort-by',
  '--since',
  '--overrides',
  '--env',
  '--port',
  '--cluster',
  '--user',
  '--template',
  '--field-manager',
  '--type',
  '--patch',
  '--replicas',
  '--token',
  '--server',
  '--from-literal',
  '--cascade',
  '--limit-bytes',
  '--since-time',
  '--max-log-requests',
  '--validate',
  '--chunk-size',
  '--api-group',
  '--subresource',
]);
const BOOL_FLAGS = new Set([
  '--all-namespaces',
  '--ignore-not-found',
  '--no-headers',
  '--show-labels',
  '--force',
  '--wait',
  '--rm',
  '--stdin',
  '--tty',
  '--all',
  '--client',
  '--watch',
  '--previous',
  '--prefix',
  '--all-containers',
  '--command',
  '--now',
  '--short',
  '--minify',
  '--raw',
  '--show-managed-fields',
  '--save-config',
  '--overwrite',
  '--server-side',
  '--force-conflicts',
  '--timestamps',
  '--follow',
  '--ignore-errors',
  '--recursive',
  '--watch-only',
  '--namespaced',
  '--local',
  '--insecure-skip-tls-verify',
  '--quiet',
]);
const REPEATABLE = new Set(['--filename', '--env', '--from-literal', '--labels']);
const SHORT: Record<string, string> = {
  '-n': '--namespace',
  '-o': '--output',
  '-l': '--selector',
  '-A': '--all-namespaces',
  '-c': '--container',
  '-f': '--filename',
  '-i': '--stdin',
  '-t': '--tty',
  '-w': '--watch',
  '-p': '--previous',
  '-h': '--help',
  '-R': '--recursive',
  '-k': '--kustomize',
  '-q': '--quiet',
};

export const fail = (msg: string, code = 1): ToolError => new ToolError(msg.endsWith('\n') ? msg : msg + '\n', code);

export function parse(argv: readonly string[]): Parsed {
  const flags = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const args: string[] = [];
  let rest: string[] = [];
  let verb = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      let { name, value } = splitFlag(a);
      if (!a.startsWith('--') && a.length > 2) {
        name = a.slice(0, 2);
        value = a.slice(2).replace(/^=/, '');
      }
      if (name === '--help' || name === '-h') {
        flags.set('--help', 'true');
        continue;
      }
      // `kubectl patch -p` is the patch; everywhere else -p is --previous.
      let canon = name === '-p' && verb === 'patch' ? '--patch' : (SHORT[name] ?? name);
      if (canon === '--kustomize') throw fail("error: the sandbox's kubectl does not build kustomizations; use -f");
      if (VALUE_FLAGS.has(canon)) {
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined) throw fail(`error: flag needs an argument: '${name.replace(/^-+/, '')}' in ${name}`);
        }
        if (REPEATABLE.has(canon)) multi.set(canon, [...(multi.get(canon) ?? []), value]);
        flags.set(canon, value);
      } else if (BOOL_FLAGS.has(canon)) {
        flags.set(canon, value ?? 'true');
      } else if (name.startsWith('--')) {
        throw fail(`error: unknown flag: ${name}\nSee 'kubectl ${verb || 'help'} --help' for usage.`);
      } else {
        canon = name;
        throw fail(`error: unknown shorthand flag: '${canon.slice(1, 2)}' in ${a}\nSee 'kubectl ${verb || 'help'} --help' for usage.`);
      }
      continue;
    }
    if (!verb) verb = a;
    else args.push(a);
  }
  return { verb, args, rest, flags, multi };
}

export const bool = (p: Parsed, flag: string): boolean => p.flags.get(flag) === 'true';

/** `30s`, `2m`, `1h`, `500ms`; a bare number is seconds. */
export function durationMs(s: string | undefined, dflt: number): number {
  if (!s) return dflt;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null)
    total += Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 's']!;
  return total || dflt;
}
