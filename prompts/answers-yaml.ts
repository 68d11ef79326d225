/**
 * Reading answers YAML: the `--answers FILE` a person writes and the state dir's answers.yaml the
 * runbook saved share this one reader, so a saved file can be replayed with `--answers`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { UsageError } from '../kernel/errors.js';
import { printable } from '../kernel/printable.js';

export interface RawAnswer {
  /** The text as written; booleans and choices are parsed later, by the question's kind. */
  readonly raw: string;
  /** `file:line`, so a report points at the line to fix. */
  readonly where: string;
}

export interface AnswersDocument {
  /** The path as the user gave it (or the state dir's file). */
  readonly origin: string;
  /** Every key the file sets, known or not: the caller decides what an unknown key means. */
  readonly entries: ReadonlyMap<string, RawAnswer>;
  /** Keys whose value is not a single scalar (a list, a map). */
  readonly problems: readonly string[];
}

/**
 * Parses with the YAML *failsafe* schema: every scalar stays a string, so `tag: 1.10` keeps its
 * zero and `keyVaultAuth: no` is not turned into false. The question's kind parses it afterwards.
 */
export function parseAnswersYaml(text: string, origin: string): AnswersDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const where = `${origin}:${line}:${col}`;
    throw new UsageError(`${where}: ${origin} is not valid YAML: ${error.message.split('\n')[0]}`, [
      'An answers file is a YAML mapping of answer keys to values, e.g. "keyVaultName: kv-ratify-demo01".',
    ]);
  }
  const entries = new Map<string, RawAnswer>();
  const problems: string[] = [];
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && isAbsent(contents))) {
    return { origin, entries, problems }; // an empty file sets nothing
  }
  if (!isMap(contents)) {
    throw new UsageError(`${origin}: an answers file must be a YAML mapping of answer keys to values.`, [
      'Example: "keyVaultName: kv-ratify-demo01" on its own line.',
    ]);
  }
  for (const pair of contents.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const offset = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
    const where = offset === undefined ? origin : `${origin}:${lineCounter.linePos(offset).line}`;
    const value = pair.value;
    // A tag (`!!binary`, `!foo`) would make the YAML library decode the text into something else.
    const tag = (isScalar(keyNode) ? keyNode.tag : undefined) ?? (value && 'tag' in value ? (value as { tag?: string }).tag : undefined);
    if (tag) {
      const shown = printable(shortTag(tag));
      const fix = 'answers are plain text: remove the tag (quote the value if needed).';
      problems.push(`${where}: ${printable(key)} carries the YAML tag ${shown}; ${fix}`);
      continue;
    }
    if (value === null || (isScalar(value) && isAbsent(value))) continue; // `key:` with no value = not set
    if (!isScalar(value)) {
      problems.push(`${where}: ${printable(key)} must be a single value, not a list or a mapping.`);
      continue;
    }
    entries.set(key, { raw: String(value.value), where });
  }
  return { origin, entries, problems };
}

/** `tag:yaml.org,2002:binary` -> `!!binary`. */
function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** `key:`, `key: ~` and `key: null` (unquoted) mean "not set", as in YAML's core schema. */
function isAbsent(node: { value: unknown; type?: string | undefined }): boolean {
  if (typeof node.value !== 'string') return node.value === null || node.value === undefined;
  const plain = node.type === undefined || node.type === 'PLAIN';
  return plain && ['', '~', 'null', 'Null', 'NULL'].includes(node.value);
}

/** Reads and parses a file; a missing or unreadable file is a usage error naming the path. */
export async function readAnswersYaml(path: string, origin = path): Promise<AnswersDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${origin}: answers file not found.` : `${origin}: cannot read the answers file (${code ?? String(error)}).`,
    );
  }
  return parseAnswersYaml(text, origin);
}
