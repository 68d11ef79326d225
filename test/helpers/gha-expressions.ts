/**
 * The part of GitHub Actions' expression language the exported workflows use: literals, context
 * property paths (`matrix.attendee`, `steps.install.outcome`), `!`, `==`, `!=`, `&&`, `||`,
 * parentheses and the status functions. Semantics follow GitHub's documentation: `&&`/`||` yield
 * an operand, string comparison ignores case, other mixed types compare as numbers.
 * Anything else is an error here, so a workflow that starts using more fails the test loudly.
 */
export type Value = string | number | boolean | null | { readonly [key: string]: Value } | readonly Value[];

export interface ExpressionContext {
  readonly contexts: Readonly<Record<string, Value>>;
  /** What the status functions answer for this step. */
  readonly status: { readonly failed: boolean; readonly cancelled: boolean };
}

type Token =
  { kind: 'op'; text: string } | { kind: 'ident'; text: string } | { kind: 'string'; value: string } | { kind: 'number'; value: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = /^(==|!=|&&|\|\||[!().,])/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0] });
      i += op[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      let j = 1;
      let value = '';
      for (;;) {
        if (j >= rest.length) throw new Error(`unterminated string in ${source}`);
        if (rest[j] === "'" && rest[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (rest[j] === "'") break;
        else value += rest[j++];
      }
      tokens.push({ kind: 'string', value });
      i += j + 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new Error(`unsupported character ${JSON.stringify(rest[0])} in expression ${source}`);
  }
  return tokens;
}

export function evaluate(source: string, context: ExpressionContext): Value {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (text: string) => {
    const token = peek();
    return token?.kind === 'op' && token.text === text;
  };
  const expectOp = (text: string) => {
    if (!isOp(text)) throw new Error(`expected "${text}" in ${source}`);
    at++;
  };

  const or = (): Value => {
    let left = and();
    while (isOp('||')) {
      at++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const and = (): Value => {
    let left = equality();
    while (isOp('&&')) {
      at++;
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const equality = (): Value => {
    let left = unary();
    while (isOp('==') || isOp('!=')) {
      const negate = isOp('!=');
      at++;
      const right = unary();
      left = negate ? !equals(left, right) : equals(left, right);
    }
    return left;
  };
  const unary = (): Value => {
    if (isOp('!')) {
      at++;
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const token = tokens[at++];
    if (!token) throw new Error(`unexpected end of ${source}`);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'op') {
      if (token.text !== '(') throw new Error(`unexpected "${token.text}" in ${source}`);
      const value = or();
      expectOp(')');
      return value;
    }
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (token.text === 'null') return null;
    if (isOp('(')) {
      at++;
      if (!isOp(')')) throw new Error(`function ${token.text}(...) with arguments is not emulated (in ${source})`);
      at++;
      return callStatus(token.text, context);
    }
    let value: Value = lookup(context.contexts, token.text);
    while (isOp('.')) {
      at++;
      const name = tokens[at++];
      if (name?.kind !== 'ident') throw new Error(`expected a property name in ${source}`);
      value = lookup(value, name.text);
    }
    return value;
  };

  const result = or();
  if (at !== tokens.length) throw new Error(`unexpected tokens after the expression in ${source}`);
  return result;
}

function callStatus(name: string, context: ExpressionContext): boolean {
  switch (name) {
    case 'always':
      return true;
    case 'success':
      return !context.status.failed && !context.status.cancelled;
    case 'failure':
      return context.status.failed;
    case 'cancelled':
      return context.status.cancelled;
    default:
      throw new Error(`function ${name}() is not emulated`);
  }
}

/** Missing properties are null, as on GitHub; property names match case-insensitively. */
function lookup(value: Value, name: string): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, Value>;
  if (name in record) return record[name] ?? null;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (record[key] ?? null);
}

export function truthy(value: Value): boolean {
  if (value === null || value === false || value === '' || value === 0) return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  return true;
}

function equals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return toNumber(a) === toNumber(b);
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

/** How GitHub turns a value into text inside `${{ }}` in a string. */
export function asText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Replaces every `${{ expr }}` in a string. */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => asText(evaluate(expr, context)));
}

/** A step's or job's `if:`: an expression with or without `${{ }}`, `success() &&` implied without a status function. */
export function condition(source: string | boolean | undefined, context: ExpressionContext): boolean {
  if (source === undefined) return callStatus('success', context);
  if (typeof source === 'boolean') return source && callStatus('success', context);
  const bare = source.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const expr = /\b(always|success|failure|cancelled)\(\)/.test(bare) ? bare : `success() && (${bare})`;
  return truthy(evaluate(expr, context));
}
