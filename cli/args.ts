import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../kernel/errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options shared by commands, so every command spells them the same way. */
export const option = {
  answers: { answers: { type: 'string' } },
  set: { set: { type: 'string', multiple: true } },
  stateDir: { 'state-dir': { type: 'string' } },
  runId: { 'run-id': { type: 'string' } },
  sandbox: {
    sandbox: { type: 'boolean' },
    'sandbox-latency': { type: 'string' },
    'sandbox-fault': { type: 'string', multiple: true },
    'sandbox-tools': { type: 'string' },
    'sandbox-cluster': { type: 'string' },
    'sandbox-caller': { type: 'string' },
  },
  json: { json: { type: 'boolean' } },
  yes: { yes: { type: 'boolean', short: 'y' } },
  nonInteractive: { 'non-interactive': { type: 'boolean' } },
  help: { help: { type: 'boolean', short: 'h' } },
} satisfies Record<string, OptionSpec>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Strict parsing: an unknown flag or a missing value is a usage error (exit 2) naming --help. */
export function parseCommandArgs(command: string, args: readonly string[], options: OptionSpec, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '.')}`, [
      `Run \`ratify-runbook ${command} --help\` for the options.`,
    ]);
  }
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : [];
}

export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flagName: string, fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flagName} ${value}: expected one of ${allowed.join(', ')}.`);
}
