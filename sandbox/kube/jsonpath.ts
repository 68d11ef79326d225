/**
 * Enough of kubectl's JSONPath for `-o jsonpath=...`: `{.a.b}`, `[n]`, `[*]`, `{range}`/`{end}`,
 * quoted literals; several results print space-separated, like kubectl.
 */
type Node = unknown;

function evalPath(root: Node, path: string): Node[] {
  let cur: Node[] = [root];
  const re = /\.([A-Za-z0-9_-]+|\*)|\[(\*|-?\d+|'[^']*'|"[^"]*")\]|\.\[(\*)\]/g;
  const p = path.trim().replace(/^\$/, '');
  if (p === '' || p === '.') return cur;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(p)) !== null) {
    if (m.index !== consumed) break;
    consumed = re.lastIndex;
    const key = m[1] ?? m[2] ?? m[3]!;
    const next: Node[] = [];
    for (const n of cur) {
      if (n === null || n === undefined) continue;
      if (key === '*') {
        if (Array.isArray(n)) next.push(...(n as unknown[]));
        else if (typeof n === 'object') next.push(...Object.values(n as Record<string, unknown>));
      } else if (/^-?\d+$/.test(key) && Array.isArray(n)) {
        const i = Number(key);
        const v: unknown = n[i < 0 ? n.length + i : i];
        if (v !== undefined) next.push(v);
      } else if (typeof n === 'object') {
        const k = key.replace(/^['"]|['"]$/g, '');
        const v = (n as Record<string, unknown>)[k];
        if (v !== undefined) next.push(v);
      }
    }
    cur = next;
  }
  return cur;
}

const show = (v: Node): string => (typeof v === 'string' ? v : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function jsonpath(template: string, data: Node): string {
  const tokens: { kind: 'text' | 'expr'; value: string }[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', value: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ kind: 'text', value: template.slice(i, open) });
    const close = template.indexOf('}', open);
    if (close < 0) throw new Error(`error parsing jsonpath ${template}, unclosed action`);
    tokens.push({ kind: 'expr', value: template.slice(open + 1, close).trim() });
    i = close + 1;
  }
  const run = (toks: typeof tokens, ctx: Node): string => {
    let out = '';
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.kind === 'text') {
        out += t.value;
        continue;
      }
      if (t.value.startsWith('range ')) {
        let depth = 1;
        let j = k + 1;
        for (; j < toks.length; j++) {
          const v = toks[j]!;
          if (v.kind === 'expr' && v.value.startsWith('range ')) depth++;
          if (v.kind === 'expr' && v.value === 'end' && --depth === 0) break;
        }
        for (const item of evalPath(ctx, t.value.slice(6))) out += run(toks.slice(k + 1, j), item);
        k = j;
        continue;
      }
      const lit = /^"((?:[^"\\]|\\.)*)"$|^'([^']*)'$/.exec(t.value);
      if (lit) {
        out += lit[1] !== undefined ? lit[1].replace(/\\n/g, '\n').replace(/\\t/g, '\t') : lit[2]!;
        continue;
      }
      out += evalPath(ctx, t.value).map(show).join(' ');
    }
    return out;
  };
  return run(tokens, data);
}
