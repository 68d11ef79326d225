import { ApiError } from './status.js';

/**
 * kubectl's typed clients (`kubectl create namespace|configmap|secret|serviceaccount`) send
 * Kubernetes protobuf (`application/vnd.kubernetes.protobuf`): the `k8s\0` magic, then a
 * runtime.Unknown wrapping the object. The server decodes the kinds those commands create and
 * answers in JSON (clients accept JSON answers); any other protobuf body is refused with 415.
 */
type Field = { no: number; wire: number; value: Buffer | number };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ no, wire, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field | undefined): string | undefined => (f && Buffer.isBuffer(f.value) ? f.value.toString('utf8') : undefined);

function map(fs: Field[], no: number, bytes = false): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && Buffer.isBuffer(f.value));
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.value as Buffer);
    const v = kv.find((x) => x.no === 2)?.value;
    out[str(kv.find((x) => x.no === 1)) ?? ''] = Buffer.isBuffer(v) ? (bytes ? v.toString('base64') : v.toString('utf8')) : '';
  }
  return out;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const meta: Record<string, unknown> = {};
  const name = str(fs.find((f) => f.no === 1));
  const generateName = str(fs.find((f) => f.no === 2));
  const namespace = str(fs.find((f) => f.no === 3));
  if (name) meta.name = name;
  if (generateName) meta.generateName = generateName;
  if (namespace) meta.namespace = namespace;
  const labels = map(fs, 11);
  const annotations = map(fs, 12);
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  return meta;
}

const DECODED = 'namespaces, config maps, secrets, service accounts and access reviews';

export const isProtobuf = (contentType: string): boolean => /application\/vnd\.kubernetes\.protobuf/.test(contentType);

export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  const refuse = (what: string): ApiError =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the sandbox's API decodes protobuf only for ${what})`,
    );
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw refuse(DECODED);
  const unknown = fields(body.subarray(4));
  const typeMeta = fields((unknown.find((f) => f.no === 1)?.value as Buffer | undefined) ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta.find((f) => f.no === 1)) ?? '';
  const kind = str(typeMeta.find((f) => f.no === 2)) ?? '';
  const raw = fields((unknown.find((f) => f.no === 2)?.value as Buffer | undefined) ?? Buffer.alloc(0));
  const metaField = raw.find((f) => f.no === 1)?.value;
  const doc: Record<string, unknown> = { apiVersion, kind, metadata: Buffer.isBuffer(metaField) ? objectMeta(metaField) : {} };
  switch (kind) {
    case 'Namespace':
    case 'ServiceAccount':
      return doc;
    case 'ConfigMap':
      return { ...doc, ...(map(raw, 2) ? { data: map(raw, 2) } : {}), ...(map(raw, 3, true) ? { binaryData: map(raw, 3, true) } : {}) };
    case 'Secret':
      return {
        ...doc,
        ...(map(raw, 2, true) ? { data: map(raw, 2, true) } : {}),
        ...(str(raw.find((f) => f.no === 3)) ? { type: str(raw.find((f) => f.no === 3)) } : {}),
        ...(map(raw, 4) ? { stringData: map(raw, 4) } : {}),
      };
    case 'SelfSubjectAccessReview':
      return { ...doc, spec: accessReviewSpec(raw.find((f) => f.no === 2)?.value) };
    default:
      throw refuse(DECODED);
  }
}

/** authorization/v1 SelfSubjectAccessReviewSpec: resourceAttributes (1) or nonResourceAttributes (2). */
function accessReviewSpec(value: Field['value'] | undefined): Record<string, unknown> {
  const spec = fields(Buffer.isBuffer(value) ? value : Buffer.alloc(0));
  const attributes = (no: number, names: readonly string[]): Record<string, string> | undefined => {
    const f = spec.find((x) => x.no === no)?.value;
    if (!Buffer.isBuffer(f)) return undefined;
    const fs = fields(f);
    const out: Record<string, string> = {};
    names.forEach((name, i) => {
      const v = str(fs.find((x) => x.no === i + 1));
      if (v) out[name] = v;
    });
    return out;
  };
  const resource = attributes(1, ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']);
  const nonResource = attributes(2, ['path', 'verb']);
  return { ...(resource ? { resourceAttributes: resource } : {}), ...(nonResource ? { nonResourceAttributes: nonResource } : {}) };
}
