/**
 * A change-tracking view of the world. Every command handler (and any other mutation path)
 * writes through this view, which records *where* the world changed without copying it: the
 * path of the changed entry, cut at a depth chosen per collection (one ARM resource, one
 * Kubernetes object, one certificate...). A commit then serializes only those entries, so the
 * cost of making a change durable follows the size of the change, not of the world.
 *
 * Writes are found wherever they happen (a nested property, an array push, a delete), so a
 * handler cannot forget to report a change. Arrays are recorded whole (their items have no
 * stable key). Values stored through the view are unwrapped, so the raw world never holds a view.
 */

export type Path = readonly string[];

/** Entry depth per top-level key: `clusters/<id>/objects/<key>` rather than a whole cluster. */
const ENTRY_DEPTH: Readonly<Record<string, number>> = { clusters: 4, registries: 4, vaults: 4 };
const DEFAULT_ENTRY_DEPTH = 2;

const RAW = Symbol('raw world object');
const SEP = '\u0000';

export interface ChangeTracker<T extends object> {
  /** Read and write the world through this. */
  readonly view: T;
  /** True when something changed since the last take(). */
  readonly changed: boolean;
  /** The changed entries since the last call (none of them inside another), and forgets them. */
  take(): Path[];
}

export function trackChanges<T extends object>(root: T): ChangeTracker<T> {
  const dirty = new Map<string, Path>();
  // One view per raw object and path: an object moved to another key gets a view for its new path.
  const views = new WeakMap<object, { key: string; view: object }>();

  const mark = (path: Path, key: string): void => {
    if (!dirty.has(key)) dirty.set(key, path);
  };

  const viewOf = (target: object, path: Path, key: string): object => {
    const cached = views.get(target);
    if (cached && cached.key === key) return cached.view;
    const frozen = Array.isArray(target) || path.length >= (ENTRY_DEPTH[path[0] ?? ''] ?? DEFAULT_ENTRY_DEPTH);
    const view = new Proxy(target, handler(path, key, frozen && path.length > 0));
    views.set(target, { key, view });
    return view;
  };

  /** Where a child of (path, key) is recorded: deeper while above the entry depth, else the same entry. */
  const child = (path: Path, key: string, frozen: boolean, prop: string): [Path, string] =>
    frozen ? [path, key] : [[...path, prop], path.length === 0 ? prop : `${key}${SEP}${prop}`];

  function handler(path: Path, key: string, frozen: boolean): ProxyHandler<object> {
    // The views of this object's children, by property: scans read the same children again and
    // again, and working out a child's path (an array and a long key) each time is what costs.
    let children: Map<string, { value: object; view: object }> | undefined;
    return {
      get(target, prop) {
        if (prop === RAW) return target;
        const value = (target as Record<string | symbol, unknown>)[prop];
        if (typeof prop === 'symbol' || value === null || typeof value !== 'object') return value;
        const known = children?.get(prop);
        if (known?.value === value) return known.view;
        const [childPath, childKey] = child(path, key, frozen, prop);
        const view = viewOf(value, childPath, childKey);
        (children ??= new Map()).set(prop, { value, view });
        return view;
      },
      set(target, prop, value) {
        if (typeof prop === 'string') children?.delete(prop);
        (target as Record<string | symbol, unknown>)[prop] = unwrap(value);
        if (typeof prop !== 'symbol') mark(...child(path, key, frozen, prop));
        return true;
      },
      deleteProperty(target, prop) {
        if (!(prop in target)) return true;
        if (typeof prop === 'string') children?.delete(prop);
        delete (target as Record<string | symbol, unknown>)[prop];
        if (typeof prop !== 'symbol') mark(...child(path, key, frozen, prop));
        return true;
      },
      defineProperty(target, prop, descriptor) {
        if (typeof prop === 'string') children?.delete(prop);
        const value = 'value' in descriptor ? { ...descriptor, value: unwrap(descriptor.value as unknown) } : descriptor;
        Reflect.defineProperty(target, prop, value);
        if (typeof prop !== 'symbol') mark(...child(path, key, frozen, prop));
        return true;
      },
    };
  }

  return {
    view: viewOf(root, [], '') as T,
    get changed() {
      return dirty.size > 0;
    },
    take() {
      const keys = new Set(dirty.keys());
      const paths = [...dirty.values()].filter((path) => {
        // An entry inside another changed entry is written with it.
        for (let i = 1; i < path.length; i++) if (keys.has(path.slice(0, i).join(SEP))) return false;
        return true;
      });
      dirty.clear();
      return paths;
    },
  };
}

/**
 * The raw object behind a view (the value itself when it is not one), for read-only scans: a
 * read through the view costs a proxy per object it reaches.
 */
export function rawOf<V extends object>(value: V): V {
  return ((value as Record<symbol, unknown>)[RAW] as V | undefined) ?? value;
}

/** The raw object behind a view (or the value itself), with any view nested in it replaced too. */
export function unwrap<V>(value: V): V {
  if (value === null || typeof value !== 'object') return value;
  const raw = ((value as Record<symbol, unknown>)[RAW] as V | undefined) ?? value;
  if (raw !== value) return raw; // a view's target holds raw objects only
  if (Array.isArray(raw)) {
    const items = raw as unknown[];
    for (let i = 0; i < items.length; i++) items[i] = unwrap(items[i]);
  } else if (Object.getPrototypeOf(raw) === Object.prototype || Object.getPrototypeOf(raw) === null) {
    for (const k of Object.keys(raw)) (raw as Record<string, unknown>)[k] = unwrap((raw as Record<string, unknown>)[k]);
  }
  return raw;
}

/** The value at `path` in the raw world, or undefined when it (or a parent) is absent. */
export function valueAt(root: object, path: Path): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Replays one recorded change: sets the value at `path` (creating parents), or deletes it. */
export function applyChange(root: object, path: Path, value: unknown, deleted: boolean): void {
  let node = root as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    let next = node[part];
    if (next === null || typeof next !== 'object') {
      if (deleted) return;
      next = {};
      node[part] = next;
    }
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (deleted) delete node[last];
  else node[last] = value;
}
