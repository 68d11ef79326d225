/**
 * The roster: who attends. CSV with a header (`id` required; `name`, `email`,
 * `subscriptionId`, `location` and any other column optional) or YAML (a list of mappings, or
 * a mapping with an `attendees:` list). Every problem is collected with its file:line, so the
 * host fixes the whole roster in one edit instead of one error per attempt.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { UsageError } from '../kernel/errors.js';
import { attendeeIdProblem, idKey, normalizeId } from './attendee-id.js';
import { parseCsv } from './csv.js';

export interface Attendee {
  /** The folder name and `--attendee` value (NFC). */
  readonly id: string;
  /** Every column of the roster for this attendee (missing ones are ""), `id` included. */
  readonly fields: Readonly<Record<string, string>>;
  /** `roster.csv:4`, for messages. */
  readonly where: string;
}

export interface Roster {
  readonly origin: string;
  /** Column names in roster order (the well-known ones spelled canonically). */
  readonly columns: readonly string[];
  readonly attendees: readonly Attendee[];
}

export type RosterFormat = 'csv' | 'yaml';

/** The columns the issue names; a header spelled `ID`, `Subscription_Id`... maps to these. */
export const knownColumns = ['id', 'name', 'email', 'subscriptionId', 'location'] as const;

export interface RosterResult {
  readonly roster: Roster;
  /** Empty when the roster is usable. */
  readonly problems: readonly string[];
}

export async function readRoster(path: string, origin = path): Promise<RosterResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${origin}: roster file not found.` : `${origin}: cannot read the roster (${code ?? String(error)}).`,
      ['Give a CSV with a header line (id,name,email,...) or a YAML list of attendees.'],
    );
  }
  return parseRoster(text, origin, formatOf(path, text));
}

/** By extension; otherwise a file whose first meaningful line looks like YAML is YAML. */
export function formatOf(path: string, text: string): RosterFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.csv') return 'csv';
  const first =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  return /^\s*(-\s|attendees\s*:)/.test(first) ? 'yaml' : 'csv';
}

export function parseRoster(text: string, origin: string, format: RosterFormat): RosterResult {
  const rows = format === 'csv' ? csvRows(text, origin) : yamlRows(text, origin);
  const problems = [...rows.problems];
  const attendees: Attendee[] = [];
  const seen = new Map<string, Attendee>();
  if (rows.problems.length === 0 && rows.rows.length === 0) {
    problems.push(`${origin}: the roster lists no attendees.`);
  }
  for (const row of rows.rows) {
    const id = normalizeId(row.fields.id ?? '');
    const problem = attendeeIdProblem(id);
    if (problem) {
      problems.push(`${row.where}: attendee id ${JSON.stringify(row.fields.id ?? '')} ${problem}.`);
      continue;
    }
    const attendee: Attendee = { id, fields: { ...row.fields, id }, where: row.where };
    const earlier = seen.get(idKey(id));
    if (earlier) {
      const sameCase = earlier.id === id ? '' : ` (ids differ only in case: they would share one folder on macOS and Windows)`;
      problems.push(`${row.where}: duplicate attendee id "${id}", already used at ${earlier.where}${sameCase}.`);
      continue;
    }
    seen.set(idKey(id), attendee);
    attendees.push(attendee);
  }
  return { roster: { origin, columns: rows.columns, attendees }, problems: inLineOrder(problems, origin) };
}

/** The host reads the report top to bottom next to the file: keep it in line order. */
function inLineOrder(problems: readonly string[], origin: string): string[] {
  const lineOf = (p: string) => (p.startsWith(`${origin}:`) ? Number.parseInt(p.slice(origin.length + 1), 10) || 0 : 0);
  return problems
    .map((p, i) => ({ p, i, line: lineOf(p) }))
    .sort((a, b) => a.line - b.line || a.i - b.i)
    .map((x) => x.p);
}

interface Rows {
  readonly columns: readonly string[];
  readonly rows: readonly { fields: Record<string, string>; where: string }[];
  readonly problems: readonly string[];
}

function canonicalColumn(name: string): string {
  const folded = name.replace(/[\s_-]/g, '').toLowerCase();
  return knownColumns.find((known) => known.toLowerCase() === folded) ?? name;
}

function csvRows(text: string, origin: string): Rows {
  const { records, problems: csvProblems } = parseCsv(text, origin);
  const problems = [...csvProblems];
  const nonBlank = records.filter((r) => !r.blank);
  const header = nonBlank[0];
  if (!header) return { columns: [], rows: [], problems };
  const columns = header.fields.map((f) => canonicalColumn(f.trim()));
  const headerProblems: string[] = [];
  columns.forEach((name, index) => {
    if (name === '') headerProblems.push(`${origin}:${header.line}: column ${index + 1} of the header has no name.`);
    else if (columns.indexOf(name) !== index)
      headerProblems.push(`${origin}:${header.line}: column "${name}" appears twice in the header.`);
  });
  if (!columns.includes('id')) {
    headerProblems.push(
      `${origin}:${header.line}: the header has no "id" column (found: ${columns.map((c) => JSON.stringify(c)).join(', ')}). The first line must name the columns, e.g. "id,name,email".`,
    );
  }
  if (headerProblems.length > 0) return { columns, rows: [], problems: [...problems, ...headerProblems] };
  const rows: Rows['rows'][number][] = [];
  for (const record of nonBlank.slice(1)) {
    const where = `${origin}:${record.line}`;
    if (record.fields.length !== columns.length) {
      problems.push(
        `${where}: ${record.fields.length} fields, but the header has ${columns.length} (${columns.join(',')}); quote values that contain a comma.`,
      );
      continue;
    }
    const fields: Record<string, string> = {};
    columns.forEach((name, index) => (fields[name] = (record.fields[index] ?? '').trim()));
    rows.push({ fields, where });
  }
  return { columns, rows, problems };
}

function yamlRows(text: string, origin: string): Rows {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays text, so an id like 007 or a subscription keeps its exact spelling.
  const document = parseDocument(text.replace(/^\uFEFF/, ''), { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number => lineCounter.linePos(node?.range?.[0] ?? 0).line;
  const error = document.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { columns: [], rows: [], problems: [`${origin}:${line}:${col}: not valid YAML: ${error.message.split('\n')[0]}`] };
  }
  let list: unknown = document.contents;
  if (isMap(list)) list = list.get('attendees', true);
  if (list === null || list === undefined || (isScalar(list) && (list.value === '' || list.value === null))) {
    return { columns: [], rows: [], problems: [] };
  }
  if (!isSeq(list)) {
    return {
      columns: [],
      rows: [],
      problems: [`${origin}: a YAML roster is a list of attendees ("- id: alice" ...), or a mapping with an "attendees:" list.`],
    };
  }
  const problems: string[] = [];
  const columns: string[] = [];
  const rows: { fields: Record<string, string>; where: string }[] = [];
  for (const item of list.items) {
    const where = `${origin}:${lineOf(item as Node)}`;
    if (!isMap(item)) {
      problems.push(
        `${where}: each attendee must be a mapping like "- id: alice", not ${isScalar(item) ? `the value ${JSON.stringify(String(item.value))}` : 'a list'}.`,
      );
      continue;
    }
    const fields: Record<string, string> = {};
    let ok = true;
    for (const pair of item.items) {
      const key = canonicalColumn(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
      if (pair.value !== null && !isScalar(pair.value)) {
        problems.push(`${origin}:${lineOf(pair.value as Node)}: "${key}" must be a single value, not a list or a mapping.`);
        ok = false;
        continue;
      }
      fields[key] = pair.value === null || pair.value.value === null ? '' : pair.value.toString().trim();
      if (!columns.includes(key)) columns.push(key);
    }
    if (!('id' in fields)) {
      problems.push(`${where}: this attendee has no "id".`);
      continue;
    }
    if (ok) rows.push({ fields, where });
  }
  // A column one attendee has and another lacks is "" for the latter, as an empty CSV cell.
  for (const row of rows) for (const column of columns) row.fields[column] ??= '';
  return { columns, rows, problems };
}
