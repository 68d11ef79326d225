/** The table a batch ends with: attendee, last step, status, hint (what to do). */
import type { MatrixRow } from './matrix.js';
import { cut, statusText } from './matrix-render.js';

export function renderSummary(rows: readonly MatrixRow[], width?: number): string[] {
  const table = rows.map((row) => [
    row.id,
    row.lastStep ?? '-',
    statusText(row),
    row.state === 'done' || row.state === 'torn down' ? '' : (row.hint ?? ''),
  ]);
  const head = ['attendee', 'last step', 'status', 'hint'];
  const widths = head.map((h, i) => Math.max([...h].length, ...table.map((r) => [...(r[i] ?? '')].length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length))))
      .join('  ')
      .trimEnd();
  return [format(head), ...table.map(format)].map((line) => cut(line, width));
}
