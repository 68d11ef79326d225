/**
 * The confirm table: answers from a file or flag are shown as ONE table.
 * Plain text, no colour, so it reads the same in a terminal, a log and a test.
 */

export interface AnswerRow {
  readonly key: string;
  /** Already masked for secrets by the caller (ask-answers.ts). */
  readonly value: string;
  /** default, saved answers.yaml:3, answers.yaml:4, RATIFY_RUNBOOK_TAG, --set tag, run time... */
  readonly source: string;
  /** Set when the value is rejected; the row is then asked again after the table. */
  readonly problem?: string;
}

export function formatAnswersTable(rows: readonly AnswerRow[]): string {
  const header: AnswerRow = { key: 'answer', value: 'value', source: 'from' };
  const all = [header, ...rows];
  const keyWidth = Math.max(...all.map((row) => row.key.length));
  const valueWidth = Math.min(60, Math.max(...all.map((row) => row.value.length)));
  const lines = all.map((row) => {
    const value = row.value.length > valueWidth ? `${row.value.slice(0, valueWidth - 3)}...` : row.value;
    const line = `  ${row.key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${row.source}`;
    return row.problem ? `${line}\n  ${' '.repeat(keyWidth)}  ^ ${row.problem}` : line.trimEnd();
  });
  lines.splice(1, 0, `  ${'-'.repeat(keyWidth)}  ${'-'.repeat(valueWidth)}  ${'-'.repeat(4)}`);
  return lines.join('\n');
}
