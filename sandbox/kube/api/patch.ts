import { badRequest, ApiError } from './status.js';

/**
 * The patch kinds kubectl and the clients send: JSON merge patch (RFC 7386), strategic merge
 * patch (merge patch whose lists of named objects merge by name, with the `$patch`,
 * `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList` directives), and JSON patch
 * (RFC 6902). Server-side apply reuses the strategic merge of the applied configuration.
 */
type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Lists of objects that carry one of these keys merge element by element (patchMergeKey). */
const MERGE_KEYS = ['name', 'containerPort', 'mountPath', 'devicePath', 'ip', 'type', 'port', 'topologyKey'];

function mergeKeyOf(list: Json[]): string | undefined {
  const objs = list.filter(isObj);
  if (objs.length === 0 || objs.length !== list.length) return undefined;
  return MERGE_KEYS.find((k) => objs.every((o) => k in o));
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _r, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v) && Array.isArray(cur)) {
      const [current, patched] = [cur as Json[], v as Json[]];
      const key =
        mergeKeyOf([...current, ...patched.filter((x) => !(isObj(x) && x.$patch === 'delete' && Object.keys(x).length <= 2))]) ??
        mergeKeyOf(patched);
      if (key) {
        const merged = [...current] as Obj[];
        for (const item of patched as Obj[]) {
          const at = merged.findIndex((m) => m[key] === item[key]);
          if (item.$patch === 'delete') {
            if (at >= 0) merged.splice(at, 1);
          } else if (at >= 0) merged[at] = strategicMergePatch(merged[at], item) as Obj;
          else merged.push(strategicMergePatch(undefined, item) as Obj);
        }
        out[k] = merged;
        continue;
      }
    }
    const next = strategicMergePatch(cur, v);
    if (next === undefined) delete out[k];
    else out[k] = next;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/'))
    throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map(unescapePointer);
}

function parentOf(doc: Json, parts: string[]): { parent: Obj | Json[]; last: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new ApiError(422, 'Invalid', `jsonpatch: doc is missing path: "/${parts.join('/')}": missing value`);
  }
  if (!isObj(cur) && !Array.isArray(cur))
    throw new ApiError(422, 'Invalid', `jsonpatch: doc is missing path: "/${parts.join('/')}": missing value`);
  return { parent: cur, last: parts[parts.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur = doc;
  for (const p of pointer(path)) cur = Array.isArray(cur) ? cur[Number(p)] : isObj(cur) ? cur[p] : undefined;
  return cur;
}

export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw badRequest('the server rejected our request due to an error in our request: json patch must be an array of operations');
  let out = JSON.parse(JSON.stringify(doc)) as Json;
  for (const raw of ops) {
    const op = raw as { op?: string; path?: string; from?: string; value?: Json };
    const parts = pointer(op.path ?? '');
    const set = (value: Json, insert: boolean): void => {
      if (parts.length === 0) {
        out = value;
        return;
      }
      const { parent, last } = parentOf(out, parts);
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (insert) parent.splice(i, 0, value);
        else parent[i] = value;
      } else parent[last] = value;
    };
    const remove = (): void => {
      const { parent, last } = parentOf(out, parts);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else {
        if (!(last in parent))
          throw new ApiError(422, 'Invalid', `jsonpatch remove operation does not apply: doc is missing key: ${op.path}`);
        delete parent[last];
      }
    };
    switch (op.op) {
      case 'add':
        set(op.value, true);
        break;
      case 'replace':
        if (getAt(out, op.path ?? '') === undefined)
          throw new ApiError(422, 'Invalid', `jsonpatch replace operation does not apply: doc is missing key: ${op.path}`);
        set(op.value, false);
        break;
      case 'remove':
        remove();
        break;
      case 'test':
        if (JSON.stringify(getAt(out, op.path ?? '')) !== JSON.stringify(op.value))
          throw new ApiError(422, 'Invalid', `testing value ${op.path} failed: test failed`);
        break;
      case 'copy':
      case 'move': {
        const value = JSON.parse(JSON.stringify(getAt(out, op.from ?? '') ?? null)) as Json;
        if (op.op === 'move') {
          const fromParts = pointer(op.from ?? '');
          const { parent, last } = parentOf(out, fromParts);
          if (Array.isArray(parent)) parent.splice(Number(last), 1);
          else delete parent[last];
        }
        set(value, true);
        break;
      }
      default:
        throw badRequest(`the server rejected our request due to an error in our request: unexpected operation "${String(op.op)}"`);
    }
  }
  return out;
}
