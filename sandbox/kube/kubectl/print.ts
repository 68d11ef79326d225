import { stringify as toYaml } from 'yaml';
import { jsonpath } from '../jsonpath.js';
import type { ApiResource } from '../client/mapper.js';
import { kindRef } from '../client/mapper.js';
import { fail } from './args.js';

/**
 * kubectl's printers over what the API returned: the server's Table through a tabwriter
 * (min width 6, padding 3), `-o json|yaml` with sorted keys (kubectl prints unstructured
 * objects), `-o name`, `-o jsonpath=...`.
 */
export interface TableColumn {
  name: string;
  priority: number;
}

export interface ServerTable {
  columnDefinitions: TableColumn[];
  rows: { cells: unknown[]; object?: { metadata?: { namespace?: string; labels?: Record<string, string> } } }[];
}

export function tabwrite(rows: string[][]): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(6, ...rows.map((r) => (i < r.length - 1 ? (r[i] ?? '').length + 3 : 0))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}

const cellText = (c: unknown): string => {
  if (c === null || c === undefined) return '';
  const s = typeof c === 'string' ? c : String(c);
  const cut = s.search(/[\f\n\r]/);
  return cut >= 0 ? `${s.slice(0, cut)}...` : s;
};

export interface TableOptions {
  wide: boolean;
  withNamespace: boolean;
  showLabels: boolean;
  noHeaders: boolean;
  /** `kubectl get a,b`: names print as `kind/name`. */
  withKind?: ApiResource;
}

export function tableRows(t: ServerTable, o: TableOptions): string[][] {
  const shown = t.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => o.wide || c.priority === 0);
  const head = [
    ...(o.withNamespace ? ['NAMESPACE'] : []),
    ...shown.map(({ c }) => c.name.toUpperCase()),
    ...(o.showLabels ? ['LABELS'] : []),
  ];
  const rows = t.rows.map((row) => {
    const cells = shown.map(({ i }) => cellText(row.cells[i]));
    if (o.withKind && cells.length) cells[0] = `${kindRef(o.withKind)}/${cells[0]}`;
    const labels =
      Object.entries(row.object?.metadata?.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>';
    return [...(o.withNamespace ? [row.object?.metadata?.namespace ?? ''] : []), ...cells, ...(o.showLabels ? [labels] : [])];
  });
  return o.noHeaders ? rows : [head, ...rows];
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

export const kubeJson = (v: unknown): string => JSON.stringify(sortKeys(v), null, 4) + '\n';

export const asList = (items: unknown[]): Record<string, unknown> => ({
  apiVersion: 'v1',
  items,
  kind: 'List',
  metadata: { resourceVersion: '' },
});

export const OUTPUT_FORMATS =
  'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml';

/** Prints objects in a non-table format; undefined when the format is a table one. */
export function printObjects(
  format: string | undefined,
  objects: Record<string, unknown>[],
  single: boolean,
  resourceOf: (o: Record<string, unknown>) => ApiResource | undefined,
): string | undefined {
  if (format === undefined || format === 'wide') return undefined;
  const doc = single ? objects[0] : asList(objects);
  if (format === 'json') return kubeJson(doc);
  if (format === 'yaml') return toYaml(sortKeys(doc));
  if (format === 'name') {
    return objects
      .map((o) => {
        const r = resourceOf(o);
        return `${r ? kindRef(r) : String(o.kind).toLowerCase()}/${String((o.metadata as { name?: string }).name)}\n`;
      })
      .join('');
  }
  const jp = /^(jsonpath|jsonpath-as-json)=(.*)$/s.exec(format);
  if (jp) {
    const tpl = jp[2]!.replace(/^'(.*)'$/s, '$1');
    return jsonpath(tpl, doc);
  }
  throw fail(`error: unable to match a printer suitable for the output format "${format}", allowed formats are: ${OUTPUT_FORMATS}`);
}
