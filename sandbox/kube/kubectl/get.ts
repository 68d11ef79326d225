import { stringify as toYaml } from 'yaml';
import { ApiStatus } from '../client/http.js';
import { kindRef, type ApiResource } from '../client/mapper.js';
import { bool, fail } from './args.js';
import { printObjects, tableRows, tabwrite, type ServerTable } from './print.js';
import type { Session } from './session.js';
import { byteOrder } from '../../../kernel/byte-order.js';

/** `kubectl get`, `describe` and `api-resources`, printed from what the API returns. */
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

type Obj = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

function selectors(s: Session): Record<string, string | undefined> {
  return { labelSelector: s.p.flags.get('--selector'), fieldSelector: s.p.flags.get('--field-selector') };
}

const noneFound = (s: Session, r: ApiResource): string =>
  r.namespaced && !s.allNs ? `No resources found in ${s.ns} namespace.\n` : 'No resources found\n';

export async function get(s: Session): Promise<void> {
  if (bool(s.p, '--watch'))
    throw fail("error: the sandbox's kubectl does not stream watches (-w); use 'kubectl wait', or run with --sandbox-tools kubectl=real");
  const format = s.p.flags.get('--output');
  const tableOut = format === undefined || format === 'wide';
  const ts = await s.targets(s.p.args);
  const ignore = bool(s.p, '--ignore-not-found');
  const objects: Obj[] = [];
  const resourceOf = new Map<Obj, ApiResource>();
  const singleImplied = ts.length === 1 && ts[0]!.names.length === 1;
  const tables: string[] = [];
  let errors = 0;
  for (const { r, names } of ts) {
    const table: ServerTable = { columnDefinitions: [], rows: [] };
    const collect = (got: unknown): void => {
      if (tableOut) {
        const t = got as ServerTable;
        table.columnDefinitions = t.columnDefinitions;
        table.rows.push(...t.rows);
        return;
      }
      for (const o of (got as { items?: Obj[] }).items ?? [got as Obj]) {
        objects.push(o);
        resourceOf.set(o, r);
      }
    };
    const accept = tableOut ? TABLE_ACCEPT : 'application/json';
    if (names.length) {
      for (const name of names) {
        try {
          collect(await s.client.json('GET', s.path(r, name, undefined, s.ns), { accept }));
        } catch (e) {
          if (!(e instanceof ApiStatus)) throw e;
          if (e.code === 404 && ignore) continue;
          s.err(e.kubectlMessage);
          errors++;
        }
      }
    } else {
      collect(await s.client.json('GET', s.path(r), { accept, query: selectors(s) }));
    }
    if (tableOut && table.rows.length) {
      const withKind = ts.length > 1 ? r : undefined;
      const opts = {
        wide: format === 'wide',
        withNamespace: s.allNs && r.namespaced,
        showLabels: bool(s.p, '--show-labels'),
        noHeaders: bool(s.p, '--no-headers'),
        ...(withKind ? { withKind } : {}),
      };
      tables.push(tabwrite(tableRows(table, opts)));
    }
  }
  if (tableOut) {
    s.out(tables.join('\n'));
    if (tables.length === 0 && !ignore && errors === 0)
      s.warn(ts.every((x) => x.r.namespaced) ? noneFound(s, ts[0]!.r) : 'No resources found\n');
    return;
  }
  if (objects.length === 0 && (ignore || errors > 0)) return;
  s.out(printObjects(format, objects, singleImplied && objects.length === 1, (o) => resourceOf.get(o as Obj)) ?? '');
}

function describeObject(o: Obj, events: Obj[], now: number): string {
  const pad = (k: string): string => `${k}:`.padEnd(14);
  const m = o.metadata;
  const kv = (rec: Record<string, string> | undefined, sep: string): string =>
    Object.entries(rec ?? {})
      .map(([k, v]) => `${k}${sep}${v}`)
      .join(`\n${' '.repeat(14)}`) || '<none>';
  let out = `${pad('Name')}${m.name}\n`;
  if (m.namespace) out += `${pad('Namespace')}${m.namespace}\n`;
  out += `${pad('Labels')}${kv(m.labels, '=')}\n${pad('Annotations')}${kv(m.annotations, ': ')}\n`;
  const spec = o.spec as Record<string, unknown> | undefined;
  const status = o.status as Record<string, unknown> | undefined;
  if (o.kind === 'Pod') {
    out += `${pad('Node')}${String(spec?.nodeName ?? '<none>')}\n${pad('Status')}${String(status?.phase ?? '')}\n${pad('IP')}${String(status?.podIP ?? '')}\nContainers:\n`;
    const cs =
      (status?.containerStatuses as
        { name: string; image: string; ready: boolean; state: Record<string, { reason?: string; startedAt?: string }> }[] | undefined) ??
      [];
    for (const c of (spec?.containers as { name: string; image: string }[] | undefined) ?? []) {
      const st = cs.find((x) => x.name === c.name);
      const state = Object.keys(st?.state ?? {})[0] ?? 'Waiting';
      out += `  ${c.name}:\n    Image:          ${c.image}\n    State:          ${state[0]!.toUpperCase()}${state.slice(1)}\n`;
      const reason = st?.state.waiting?.reason;
      if (reason) out += `      Reason:       ${reason}\n`;
      out += `    Ready:          ${st?.ready ? 'True' : 'False'}\n    Restart Count:  0\n`;
    }
  } else {
    if (spec) out += `Spec:\n${toYaml(spec).replace(/^(?=.)/gm, '  ')}`;
    if (status) out += `Status:\n${toYaml(status).replace(/^(?=.)/gm, '  ')}`;
  }
  if (events.length === 0) return `${out}Events:       <none>\n`;
  const rows = [
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    ['----', '------', '----', '----', '-------'],
  ];
  for (const e of events) {
    const age = Math.max(0, Math.round((now - Date.parse(String(e.lastTimestamp ?? e.metadata.name))) / 1000));
    rows.push([
      String(e.type),
      String(e.reason),
      `${age}s`,
      String((e.source as { component?: string } | undefined)?.component ?? ''),
      String(e.message),
    ]);
  }
  return `${out}Events:\n${tabwrite(rows)
    .replace(/^/gm, '  ')
    .replace(/ +$/gm, '')
    .replace(/\n {2}$/, '\n')}`;
}

export async function describe(s: Session): Promise<void> {
  const ts = await s.targets(s.p.args);
  const texts: string[] = [];
  for (const { r, names } of ts) {
    let objs: Obj[];
    if (names.length) {
      objs = [];
      for (const n of names) {
        try {
          objs.push(await s.client.json<Obj>('GET', s.path(r, n)));
        } catch (e) {
          if (!(e instanceof ApiStatus)) throw e;
          s.err(e.kubectlMessage);
        }
      }
    } else {
      objs = (await s.client.json<{ items: Obj[] }>('GET', s.path(r), { query: selectors(s) })).items;
      if (objs.length === 0) s.warn(noneFound(s, r));
    }
    for (const o of objs) {
      const events = await s.client.json<{ items: Obj[] }>(
        'GET',
        `/api/v1${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/events`,
        { query: { fieldSelector: `involvedObject.name=${o.metadata.name}` } },
      );
      texts.push(describeObject(o, events.items, s.t.clock.now()));
    }
  }
  s.out(texts.join('\n\n'));
}

export async function apiResources(s: Session): Promise<void> {
  const all = await s.mapper.resources();
  const seen = new Set<string>();
  const rows = [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']];
  for (const r of all) {
    const key = `${r.group}/${r.plural}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (s.p.flags.get('--namespaced') !== undefined && String(r.namespaced) !== s.p.flags.get('--namespaced')) continue;
    rows.push([r.plural, r.shortNames.join(','), r.group ? `${r.group}/${r.version}` : r.version, String(r.namespaced), r.kind]);
  }
  const [head, ...body] = rows;
  body.sort((a, b) => byteOrder(a[0]!, b[0]!) || byteOrder(a[2]!, b[2]!));
  if (s.p.flags.get('--output') === 'name') {
    s.out(body.map((r) => `${r[0]}${r[2]!.includes('/') ? `.${r[2]!.split('/')[0]}` : ''}\n`).join(''));
    return;
  }
  s.out(tabwrite([head!, ...body]));
}

export { kindRef };
