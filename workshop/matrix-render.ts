/**
 * Text rendering of the matrix: one row per attendee, one narrow column per step (numbered,
 * with a legend), then a status column. Lines are cut to the terminal width so a redraw never
 * wraps (a wrapped line would break the cursor arithmetic of the live view).
 */
import type { Cell, Matrix, MatrixRow, RowState } from './matrix.js';
import { counts } from './matrix.js';

export interface RenderOptions {
  /** Terminal columns; lines are cut to this. */
  readonly width?: number | undefined;
  /** Terminal rows: when the matrix is taller, active and failed attendees are shown first. */
  readonly height?: number | undefined;
  readonly color?: boolean;
  readonly now?: number;
}

const symbols: Record<Cell, string> = {
  pending: '·',
  active: '●',
  done: '✔',
  failed: '✖',
  skipped: '–',
  interrupted: '!',
};

const cellColor: Partial<Record<Cell, string>> = { done: '32', failed: '31', active: '33', interrupted: '35', pending: '2', skipped: '2' };

export function renderMatrix(matrix: Matrix, options: RenderOptions = {}): string[] {
  const paint = (code: string | undefined, text: string) => (options.color && code ? `\u001b[${code}m${text}\u001b[0m` : text);
  const idWidth = Math.max(8, ...matrix.rows.map((r) => [...r.id].length));
  const header = `${'attendee'.padEnd(idWidth)} ${matrix.columns.map((_, i) => String(i + 1).padStart(2)).join(' ')}  status`;
  const rows = visibleRows(matrix, options.height === undefined ? undefined : Math.max(3, options.height - 4));
  const lines = [header];
  for (const row of rows.shown) {
    const cells = matrix.columns.map((c) => {
      const cell = row.cells.get(c) ?? 'pending';
      return ` ${paint(cellColor[cell], symbols[cell])}`;
    });
    lines.push(`${padId(row.id, idWidth)} ${cells.join(' ')}  ${paint(stateColor(row.state), statusText(row, options.now))}`);
  }
  if (rows.hidden > 0) lines.push(`… ${rows.hidden} more attendee(s) not shown (${summaryText(rows.hiddenStates)})`);
  lines.push(...legend(matrix.columns, options.width));
  lines.push(summaryText(counts(matrix)));
  return lines.map((line) => cut(line, options.width));
}

export function statusText(row: MatrixRow, now?: number): string {
  const elapsed = row.startedAt === undefined ? '' : ` ${duration((row.endedAt ?? now ?? Date.now()) - row.startedAt)}`;
  switch (row.state) {
    case 'running':
      return `${row.note ?? 'running'}${elapsed}`;
    case 'failed':
    case 'interrupted':
      return `${row.state.toUpperCase()}${row.lastStep ? ` at ${row.lastStep}` : ''}${elapsed}`;
    case 'done':
      return `done${elapsed}`;
    default:
      return row.state;
  }
}

export function summaryText(byState: Partial<Record<RowState, number>>): string {
  const order: RowState[] = ['running', 'queued', 'done', 'failed', 'interrupted', 'in progress', 'not started', 'torn down', 'idle'];
  return order.filter((s) => byState[s]).map((s) => `${byState[s]} ${s}`).join(' · ') || 'no attendees';
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/** "1 preflight  2 key-vault ...", wrapped to the width. */
function legend(columns: readonly string[], width: number | undefined): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [i, c] of columns.entries()) {
    const item = `${i + 1} ${c}`;
    if (line && width && line.length + 2 + item.length >= width) {
      lines.push(line);
      line = item;
    } else line = line ? `${line}  ${item}` : item;
  }
  if (line) lines.push(line);
  return lines;
}

/** Running and failed rows first, then the rest in roster order, within the height budget. */
function visibleRows(matrix: Matrix, budget: number | undefined): { shown: MatrixRow[]; hidden: number; hiddenStates: Partial<Record<RowState, number>> } {
  if (budget === undefined || matrix.rows.length <= budget) return { shown: matrix.rows, hidden: 0, hiddenStates: {} };
  const rank = (r: MatrixRow) => (r.state === 'running' ? 0 : r.state === 'failed' || r.state === 'interrupted' ? 1 : 2);
  const keep = new Set([...matrix.rows].sort((a, b) => rank(a) - rank(b)).slice(0, budget - 1));
  const hiddenStates: Partial<Record<RowState, number>> = {};
  for (const row of matrix.rows) if (!keep.has(row)) hiddenStates[row.state] = (hiddenStates[row.state] ?? 0) + 1;
  return { shown: matrix.rows.filter((r) => keep.has(r)), hidden: matrix.rows.length - keep.size, hiddenStates };
}

function stateColor(state: RowState): string | undefined {
  return state === 'done' || state === 'torn down' ? '32' : state === 'failed' ? '31' : state === 'running' ? '33' : state === 'interrupted' ? '35' : undefined;
}

function padId(id: string, width: number): string {
  return id + ' '.repeat(Math.max(0, width - [...id].length));
}

/** Cuts to `width` visible characters, keeping colour codes whole. */
export function cut(line: string, width: number | undefined): string {
  if (!width || width < 10) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    const escape = /^\u001b\[[0-9;]*m/.exec(line.slice(i));
    if (escape) {
      out += escape[0];
      i += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i) ?? 32);
    if (visible >= width - 1) return `${out}${line.includes('\u001b[') ? '\u001b[0m' : ''}`;
    out += char;
    visible++;
    i += char.length;
  }
  return out;
}
