/**
 * Text rendering of the matrix: one row per attendee, one narrow column per step (numbered,
 * with a legend), then a status column. Lines are cut to the terminal width so a redraw never
 * wraps (a wrapped line would break the cursor arithmetic of the live view).
 */
import { chalkWith, type ChalkInstance } from '../kernel/terminal-style.js';
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

type Paint = (chalk: ChalkInstance) => (text: string) => string;

const cellColor: Record<Cell, Paint> = {
  done: (c) => c.green,
  failed: (c) => c.red,
  active: (c) => c.yellow,
  interrupted: (c) => c.magenta,
  pending: (c) => c.dim,
  skipped: (c) => c.dim,
};

/** A piece of a line and its colour: lines are cut to the width on plain text, then painted. */
type Segment = readonly [text: string, paint?: Paint];

export function renderMatrix(matrix: Matrix, options: RenderOptions = {}): string[] {
  const chalk = chalkWith(options.color === true);
  const idWidth = Math.max(8, ...matrix.rows.map((r) => [...r.id].length));
  const header = `${'attendee'.padEnd(idWidth)} ${matrix.columns.map((_, i) => String(i + 1).padStart(2)).join(' ')}  status`;
  const rows = visibleRows(matrix, options.height === undefined ? undefined : Math.max(3, options.height - 4));
  const lines: Segment[][] = [[[header]]];
  for (const row of rows.shown) {
    const cells = matrix.columns.flatMap((c, i): Segment[] => {
      const cell = row.cells.get(c) ?? 'pending';
      return [[i === 0 ? ' ' : '  '], [symbols[cell], cellColor[cell]]];
    });
    lines.push([[`${padId(row.id, idWidth)} `], ...cells, ['  '], [statusText(row, options.now), stateColor(row.state)]]);
  }
  if (rows.hidden > 0) lines.push([[`… ${rows.hidden} more attendee(s) not shown (${summaryText(rows.hiddenStates)})`]]);
  lines.push(...legend(matrix.columns, options.width).map((line): Segment[] => [[line]]));
  lines.push([[summaryText(counts(matrix))]]);
  return lines.map((line) => paintCut(line, options.width, chalk));
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
  return (
    order
      .filter((s) => byState[s])
      .map((s) => `${byState[s]} ${s}`)
      .join(' · ') || 'no attendees'
  );
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
function visibleRows(
  matrix: Matrix,
  budget: number | undefined,
): { shown: MatrixRow[]; hidden: number; hiddenStates: Partial<Record<RowState, number>> } {
  if (budget === undefined || matrix.rows.length <= budget) return { shown: matrix.rows, hidden: 0, hiddenStates: {} };
  const rank = (r: MatrixRow) => (r.state === 'running' ? 0 : r.state === 'failed' || r.state === 'interrupted' ? 1 : 2);
  const keep = new Set([...matrix.rows].sort((a, b) => rank(a) - rank(b)).slice(0, budget - 1));
  const hiddenStates: Partial<Record<RowState, number>> = {};
  for (const row of matrix.rows) if (!keep.has(row)) hiddenStates[row.state] = (hiddenStates[row.state] ?? 0) + 1;
  return { shown: matrix.rows.filter((r) => keep.has(r)), hidden: matrix.rows.length - keep.size, hiddenStates };
}

function stateColor(state: RowState): Paint | undefined {
  if (state === 'done' || state === 'torn down') return (c) => c.green;
  if (state === 'failed') return (c) => c.red;
  if (state === 'running') return (c) => c.yellow;
  return state === 'interrupted' ? (c) => c.magenta : undefined;
}

function padId(id: string, width: number): string {
  return id + ' '.repeat(Math.max(0, width - [...id].length));
}

/** Cuts the segments to `width` visible characters, then paints each (colour never counts as width). */
function paintCut(segments: readonly Segment[], width: number | undefined, chalk: ChalkInstance): string {
  let room = !width || width < 10 ? Infinity : width - 1;
  let out = '';
  for (const [text, paint] of segments) {
    const chars = [...text];
    const kept = chars.length <= room ? text : chars.slice(0, room).join('');
    room -= Math.min(room, chars.length);
    if (kept) out += paint ? paint(chalk)(kept) : kept;
  }
  return out;
}

/** Cuts a plain line to `width` visible characters (whole code points). */
export function cut(line: string, width: number | undefined): string {
  if (!width || width < 10) return line;
  const chars = [...line];
  return chars.length < width ? line : chars.slice(0, width - 1).join('');
}
