import { byteOrder } from '../../kernel/byte-order.js';
/** Parses az/kubectl/helm/notation JSON output; empty output (az prints nothing for null) is undefined. */
export function parseJson<T>(stdout: string, what: string): T | undefined {
  const text = stdout.trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not read the output of ${what} as JSON (${reason}): ${text.slice(0, 200)}`);
  }
}

/** A nested property of an untyped ARM/az object, e.g. prop(vault, 'properties', 'vaultUri'). */
export function prop(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function stringProp(value: unknown, ...path: readonly string[]): string | undefined {
  const found = prop(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

/** Structural equality of JSON values, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => byteOrder(a, b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
