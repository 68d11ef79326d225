import { usageError } from './errors.js';
import { splitFlag } from '../split-flag.js';

/**
 * A small argparse look-alike: enough to accept every flag the flow uses and to fail the way
 * az (argparse) does otherwise (exit 2, `the following arguments are
 * required: ...`, `unrecognized arguments: ...`).
 */
export type ArgKind = 'value' | 'flag' | 'bool' | 'list' | 'append';

export interface ArgSpec {
  /** e.g. '--resource-group -g' */
  names: string;
  kind?: ArgKind;
  required?: boolean;
  /** Property name in the parsed result (default: the first long name, camelCased). */
  dest?: string;
  choices?: readonly string[];
  /** A positional argument (names is its metavar, e.g. 'SOURCE_LOCATION'). */
  positional?: boolean;
  /** Checks the value as it is parsed (an argparse action): a ToolError here wins over later argument errors. */
  validate?: (value: string) => void;
}

export type Parsed = Record<string, string | boolean | string[] | undefined>;

const camel = (s: string): string => s.replace(/^-+/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const GLOBAL_ARGS: ArgSpec[] = [
  { names: '--subscription' },
  { names: '--output -o', choices: ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none'] },
  { names: '--query' },
  { names: '--only-show-errors', kind: 'flag' },
  { names: '--debug', kind: 'flag' },
  { names: '--verbose', kind: 'flag' },
];

const BOOL_WORDS = new Set(['true', 'false', 'yes', 'no', 't', 'f', 'y', 'n', '1', '0', 'on', 'off']);

export function parseArgs(command: string, tokens: readonly string[], specs: readonly ArgSpec[]): Parsed {
  const all = [...specs.filter((s) => !s.positional), ...GLOBAL_ARGS];
  const positionals = specs.filter((s) => s.positional);
  const byName = new Map<string, ArgSpec>();
  for (const s of all) for (const n of s.names.split(' ')) byName.set(n, s);
  const dest = (s: ArgSpec): string =>
    s.dest ??
    (s.positional ? s.names.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : camel(s.names.split(' ')[0]!));
  const out: Parsed = {};
  const unrecognized: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i]!;
    i++;
    if (!tok.startsWith('-') || /^-\d/.test(tok) || tok === '-') {
      const pos = positionals.find((p) => out[dest(p)] === undefined);
      if (pos) out[dest(pos)] = tok;
      else unrecognized.push(tok);
      continue;
    }
    const { name, value: inline } = splitFlag(tok);
    const spec = byName.get(name);
    if (!spec) {
      unrecognized.push(tok);
      continue;
    }
    const kind = spec.kind ?? 'value';
    const key = dest(spec);
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = tokens[i];
      if (next === undefined || (next.startsWith('-') && next.length > 1 && !/^-\d/.test(next) && !next.includes(' '))) {
        throw usageError(`argument ${spec.names.split(' ').join('/')}: expected one argument`);
      }
      i++;
      return next;
    };
    if (kind === 'flag') {
      out[key] = true;
    } else if (kind === 'bool') {
      const next = inline ?? tokens[i];
      if (next !== undefined && BOOL_WORDS.has(next.toLowerCase())) {
        if (inline === undefined) i++;
        out[key] = ['true', 'yes', 't', 'y', '1', 'on'].includes(next.toLowerCase());
      } else {
        out[key] = true;
      }
    } else if (kind === 'append') {
      out[key] = [...((out[key] as string[] | undefined) ?? []), takeValue()];
    } else if (kind === 'list') {
      const vals: string[] = inline !== undefined ? [inline] : [];
      while (inline === undefined && i < tokens.length && !(tokens[i]!.startsWith('-') && tokens[i]!.length > 1)) vals.push(tokens[i++]!);
      if (vals.length === 0) throw usageError(`argument ${spec.names.split(' ').join('/')}: expected at least one argument`);
      out[key] = [...((out[key] as string[] | undefined) ?? []), ...vals];
    } else {
      const v = takeValue();
      spec.validate?.(v);
      if (spec.choices && !spec.choices.includes(v)) {
        if (key === 'output') {
          throw usageError(`az ${command}: '${v}' is not a valid value for '--output'. Allowed values: ${spec.choices.join(', ')}.`);
        }
        throw usageError(
          `argument ${spec.names.split(' ').join('/')}: invalid choice: '${v}' (choose from ${spec.choices.map((c) => `'${c}'`).join(', ')})`,
        );
      }
      out[key] = v;
    }
  }
  const missing = specs.filter((s) => s.required && out[dest(s)] === undefined);
  if (missing.length > 0) {
    throw usageError(
      `the following arguments are required: ${missing.map((s) => (s.positional ? `<${s.names}>` : s.names.split(' ').join('/'))).join(', ')}`,
    );
  }
  if (unrecognized.length > 0) throw usageError(`unrecognized arguments: ${unrecognized.join(' ')}`);
  return out;
}

export const str = (p: Parsed, k: string): string | undefined => {
  const v = p[k];
  return typeof v === 'string' ? v : undefined;
};
export const bool = (p: Parsed, k: string): boolean | undefined => {
  const v = p[k];
  return typeof v === 'boolean' ? v : undefined;
};
export const list = (p: Parsed, k: string): string[] | undefined => {
  const v = p[k];
  return Array.isArray(v) ? v : undefined;
};
