import jmespath from 'jmespath';
import { stringify as toYaml } from 'yaml';
import { ToolError } from '../tool-result.js';

/**
 * az output rendering (knack output.py): JSON with sorted keys and
 * 2-space indent; null prints nothing in every format; TSV by knack's _TsvOutput rules.
 */
export function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sortDeep((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

export function applyQuery(result: unknown, query: string | undefined): unknown {
  // Sort first: dicts the query passes through print in sorted order (Python dicts from the
  // SDK are sorted by knack), while multiselect hashes keep query order (OrderedDict).
  const sorted = sortDeep(result);
  if (query === undefined) return sorted;
  try {
    return jmespath.search(sorted, query) as unknown;
  } catch {
    throw new ToolError(
      `ERROR: argument --query: invalid jmespath_type value: '${query}'\nTo learn more about --query, please visit: 'https://docs.microsoft.com/cli/azure/query-azure-cli'\n`,
      2,
    );
  }
}

const pyStr = (v: unknown): string => {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
};

function tsvCell(v: unknown): string {
  if (Array.isArray(v)) return String(v.length);
  if (v && typeof v === 'object') return '';
  return pyStr(v);
}

function tsvRow(v: unknown): string {
  if (Array.isArray(v)) return v.map(tsvCell).join('\t') + '\n';
  if (v && typeof v === 'object') return Object.values(v).map(tsvCell).join('\t') + '\n';
  if (typeof v === 'boolean') return String(v) + '\n';
  return tsvCell(v) + '\n';
}

export function renderTsv(v: unknown): string {
  if (v === null || v === undefined) return '';
  const rows = Array.isArray(v) ? v : [v];
  return rows.map(tsvRow).join('');
}

function renderTable(v: unknown): string {
  const rows = (Array.isArray(v) ? v : [v]).filter((r) => r !== null && r !== undefined);
  if (rows.length === 0) return '';
  if (rows.every((r) => typeof r !== 'object')) return 'Result\n' + '-'.repeat(6) + '\n' + rows.map((r) => pyStr(r)).join('\n') + '\n';
  const cols: string[] = [];
  for (const r of rows)
    for (const [k, val] of Object.entries(r as object))
      if ((val === null || typeof val !== 'object') && !cols.includes(k) && k !== 'id') cols.push(k);
  const title = (k: string): string => k.charAt(0).toUpperCase() + k.slice(1);
  const cells = rows.map((r) =>
    cols.map((c) => {
      const x = (r as Record<string, unknown>)[c];
      return x === null || x === undefined ? '' : pyStr(x);
    }),
  );
  const widths = cols.map((c, i) => Math.max(title(c).length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]): string =>
    vals
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd() + '\n';
  return line(cols.map(title)) + line(widths.map((w) => '-'.repeat(w))) + cells.map(line).join('');
}

export function render(result: unknown, output: string): string {
  if (result === null || result === undefined) return '';
  switch (output) {
    case 'none':
      return '';
    case 'tsv':
      return renderTsv(result);
    case 'yaml':
    case 'yamlc':
      return toYaml(sortDeep(result));
    case 'table':
      return renderTable(result);
    default:
      return JSON.stringify(sortDeep(result), null, 2) + '\n';
  }
}
