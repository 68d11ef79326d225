import { envVarFor, isAnswerKey } from '../kernel/answer-keys.js';

/**
 * How a plan's values become bash: every argv element is one double-quoted word in which each
 * placeholder is a variable, so the script's values come from the variables at its top and the
 * outputs it captures, never from matching text.
 *
 * Placeholders: `<answers.keyVaultName>` (an answer), `<stepId.outputName>` (an output or a
 * captured value), `<run.id>` (the run id), and the state dir `/<state-dir>` (the folder of
 * generated files next to the script).
 */
export const STATE_DIR_PLACEHOLDER = '/<state-dir>';
export const RUN_ID_PLACEHOLDER = '<run.id>';
export const FILES_VAR = 'FILES';
export const RUN_ID_VAR = 'RUN_ID';

const PLACEHOLDER = /<([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)>/g;

/** `<answers.keyVaultName>` -> KEY_VAULT_NAME; `<key-vault.vaultUri>` -> KEY_VAULT_VAULT_URI; `<run.id>` -> RUN_ID. */
export function variableFor(owner: string, name: string): string {
  if (owner === 'answers' && isAnswerKey(name)) return envVarFor(name).replace(/^RATIFY_RUNBOOK_/, '');
  if (owner === 'run' && name === 'id') return RUN_ID_VAR;
  return `${owner}_${name}`
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** Every placeholder in a text, as `owner.name`. */
export function placeholdersIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) found.push(`${m[1]}.${m[2]}`);
  if (text.includes(STATE_DIR_PLACEHOLDER)) found.push('files.dir');
  return found;
}

export const hasPlaceholder = (text: string): boolean => placeholdersIn(text).length > 0;

/**
 * A text with its placeholders as `${VAR}` and everything else escaped for a double-quoted
 * context (`escape` picks the characters: a heredoc body needs only `\`, `$` and backticks).
 */
export function substitute(text: string, escape: RegExp = /["$`\\]/): string {
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith(STATE_DIR_PLACEHOLDER)) {
      out += `\${${FILES_VAR}}`;
      rest = rest.slice(STATE_DIR_PLACEHOLDER.length);
      continue;
    }
    const m = /^<([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)>/.exec(rest);
    if (m) {
      out += `\${${variableFor(m[1] ?? '', m[2] ?? '')}}`;
      rest = rest.slice(m[0].length);
      continue;
    }
    const ch = rest[0] ?? '';
    out += escape.test(ch) ? `\\${ch}` : ch;
    rest = rest.slice(1);
  }
  return out;
}

/** One argv element as one bash word. */
export function shellWord(arg: string): string {
  if (!hasPlaceholder(arg)) return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
  return `"${substitute(arg)}"`;
}

/** An argv list as one bash command line. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
