import type { KubeObject } from '../../world/model.js';
import type { PrinterColumn } from '../crds.js';
import { jsonpath } from '../jsonpath.js';
import type { ResourceType } from './resource-types.js';

/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
 * chose. Built-in types use the apiserver's printers (pkg/printers/internalversion); custom
 * resources their CRD's additionalPrinterColumns, else Name and Age.
 */
export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string };
  columnDefinitions: Column[];
  rows: { cells: unknown[]; object: unknown }[];
}

/** k8s.io/apimachinery duration.HumanDuration: how the AGE column reads. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const col = (name: string, type = 'string', priority = 0, format = ''): Column => ({ name, type, format, description: '', priority });
const NAME = (): Column => ({ ...col('Name', 'string', 0, 'name'), description: 'Name must be unique within a namespace.' });
const AGE = (): Column => ({
  ...col('Age'),
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
});

const age = (o: KubeObject, now: number): string => humanDuration(now - Date.parse(o.metadata.creationTimestamp));
type Status = Record<string, unknown>;

function podCells(o: KubeObject, now: number): unknown[] {
  const statuses = (o.status?.containerStatuses as { ready?: boolean; state?: { waiting?: { reason?: string } } }[] | undefined) ?? [];
  const total = ((o.spec?.containers as unknown[] | undefined) ?? []).length;
  const ready = statuses.filter((s) => s.ready).length;
  let reason = String(o.status?.phase ?? 'Pending');
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting) reason = waiting;
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  return [
    o.metadata.name,
    `${ready}/${total}`,
    reason,
    '0',
    age(o, now),
    String(o.status?.podIP ?? '<none>'),
    String(o.spec?.nodeName ?? '<none>'),
    '<none>',
    '<none>',
  ];
}

function deploymentCells(o: KubeObject, now: number): unknown[] {
  const s = (o.status ?? {}) as Status;
  const containers =
    (o.spec?.template as { spec?: { containers?: { name: string; image: string }[] } } | undefined)?.spec?.containers ?? [];
  const selector = Object.entries((o.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    o.metadata.name,
    `${Number(s.readyReplicas ?? 0)}/${Number(o.spec?.replicas ?? 1)}`,
    Number(s.updatedReplicas ?? 0),
    Number(s.availableReplicas ?? 0),
    age(o, now),
    containers.map((c) => c.name).join(','),
    containers.map((c) => c.image).join(','),
    selector,
  ];
}

function serviceCells(o: KubeObject, now: number): unknown[] {
  const ports = ((o.spec?.ports as { port: number; protocol?: string }[] | undefined) ?? [])
    .map((p) => `${p.port}/${p.protocol ?? 'TCP'}`)
    .join(',');
  const selector = Object.entries((o.spec?.selector as Record<string, string> | undefined) ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    o.metadata.name,
    String(o.spec?.type ?? 'ClusterIP'),
    String(o.spec?.clusterIP ?? '<none>'),
    '<none>',
    ports || '<none>',
    age(o, now),
    selector || '<none>',
  ];
}

function nodeCells(o: KubeObject, now: number): unknown[] {
  const info = (o.status?.nodeInfo ?? {}) as Record<string, string>;
  const ip =
    ((o.status?.addresses as { type: string; address: string }[] | undefined) ?? []).find((a) => a.type === 'InternalIP')?.address ??
    '<none>';
  return [
    o.metadata.name,
    'Ready',
    '<none>',
    age(o, now),
    info.kubeletVersion ?? '',
    ip,
    '<none>',
    info.osImage ?? '',
    '5.15.0-1089-azure',
    info.containerRuntimeVersion ?? '',
  ];
}

function eventCells(o: KubeObject, now: number): unknown[] {
  const inv = (o.involvedObject ?? {}) as { kind?: string; name?: string };
  const last = String(o.lastTimestamp ?? o.metadata.creationTimestamp);
  return [
    humanDuration(now - Date.parse(last)),
    String(o.type ?? 'Normal'),
    String(o.reason ?? ''),
    `${String(inv.kind ?? '').toLowerCase()}/${inv.name ?? ''}`,
    String(o.message ?? ''),
    o.metadata.name,
  ];
}

const BUILT_IN_TABLES: Record<string, { columns: () => Column[]; cells: (o: KubeObject, now: number) => unknown[] }> = {
  Pod: {
    columns: () => [
      NAME(),
      col('Ready'),
      col('Status'),
      col('Restarts'),
      AGE(),
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    cells: podCells,
  },
  Namespace: {
    columns: () => [NAME(), col('Status'), AGE()],
    cells: (o, now) => [o.metadata.name, String(o.status?.phase ?? 'Active'), age(o, now)],
  },
  Node: {
    columns: () => [
      NAME(),
      col('Status'),
      col('Roles'),
      AGE(),
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: nodeCells,
  },
  Deployment: {
    columns: () => [
      NAME(),
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      AGE(),
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells: deploymentCells,
  },
  Service: {
    columns: () => [NAME(), col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE(), col('Selector', 'string', 1)],
    cells: serviceCells,
  },
  ServiceAccount: {
    columns: () => [NAME(), col('Secrets', 'integer'), AGE()],
    cells: (o, now) => [o.metadata.name, ((o.secrets as unknown[] | undefined) ?? []).length, age(o, now)],
  },
  Secret: {
    columns: () => [NAME(), col('Type'), col('Data', 'integer'), AGE()],
    cells: (o, now) => [o.metadata.name, String(o.type ?? 'Opaque'), Object.keys((o.data as object | undefined) ?? {}).length, age(o, now)],
  },
  ConfigMap: {
    columns: () => [NAME(), col('Data', 'integer'), AGE()],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys((o.data as object | undefined) ?? {}).length + Object.keys((o.binaryData as object | undefined) ?? {}).length,
      age(o, now),
    ],
  },
  Event: {
    columns: () => [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message'), { ...NAME(), priority: 1 }],
    cells: eventCells,
  },
  CustomResourceDefinition: {
    columns: () => [NAME(), col('Created At', 'date')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
};

function crdCell(o: KubeObject, c: PrinterColumn, now: number): unknown {
  const raw = jsonpath(`{${c.jsonPath}}`, o);
  if (raw === '') return null;
  if (c.type === 'date') return humanDuration(now - Date.parse(raw));
  if (c.type === 'integer' || c.type === 'number') return Number(raw);
  if (c.type === 'boolean') return raw === 'true';
  return raw;
}

export function toTable(
  t: ResourceType,
  objects: readonly KubeObject[],
  now: number,
  resourceVersion: string,
  includeObject: string | null,
): Table {
  const builtIn = t.builtIn ? BUILT_IN_TABLES[t.kind] : undefined;
  const crdColumns = t.columns ?? [{ name: 'Age', type: 'date' as const, jsonPath: '.metadata.creationTimestamp' }];
  const columns = builtIn ? builtIn.columns() : [NAME(), ...crdColumns.map((c) => col(c.name, c.type, c.priority ?? 0))];
  const rows = objects.map((o) => ({
    cells: builtIn ? builtIn.cells(o, now) : [o.metadata.name, ...crdColumns.map((c) => crdCell(o, c, now))],
    object:
      includeObject === 'None'
        ? null
        : includeObject === 'Object'
          ? o
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
  }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: columns, rows };
}
