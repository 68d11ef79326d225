/**
 * Helm's `--set` (strvals): pairs split on unescaped commas outside `{}` (so an X.509 DN is
 * cut at its first comma, silently: docs/errata.md#set-splits-commas), keys split on dots with
 * `[n]` indices, values typed (true/false/null/int) unless `--set-string`.
 */
export class SetParseError extends Error {}

function splitPairs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1]!;
      i++;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

function typed(v: string, asString: boolean): unknown {
  const unescaped = v.replace(/\\(.)/g, '$1');
  if (asString) return unescaped;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^-?(0|[1-9]\d*)$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return unescaped;
}

function keyParts(key: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const seg of key.split(/(?<!\\)\./)) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(seg);
    if (!m) throw new SetParseError(`failed parsing --set data: key "${key}" has an invalid format`);
    if (m[1]) parts.push(m[1].replace(/\\\./g, '.'));
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts;
}

function assign(target: Record<string, unknown>, parts: (string | number)[], value: unknown): void {
  let cur: unknown = target;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const last = i === parts.length - 1;
    const nextIsIndex = typeof parts[i + 1] === 'number';
    const container = cur as Record<string | number, unknown>;
    if (last) {
      container[p] = value;
      return;
    }
    if (container[p] === undefined || container[p] === null || typeof container[p] !== 'object') container[p] = nextIsIndex ? [] : {};
    cur = container[p];
  }
}

export function applySet(target: Record<string, unknown>, spec: string, mode: 'set' | 'set-string' | 'set-json'): void {
  const pairs = mode === 'set-json' ? [spec] : splitPairs(spec);
  for (const pair of pairs) {
    const eq = pair.search(/(?<!\\)=/);
    if (eq < 0) throw new SetParseError(`failed parsing --${mode} data: key "${pair}" has no value`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    if (mode === 'set-json') {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new SetParseError(`failed parsing --set-json data ${spec}`);
      }
    } else if (raw.startsWith('{') && raw.endsWith('}')) {
      value = raw
        .slice(1, -1)
        .split(',')
        .filter((x) => x !== '')
        .map((x) => typed(x, mode === 'set-string'));
    } else value = typed(raw, mode === 'set-string');
    assign(target, keyParts(key), value);
  }
}
