/**
 * A small RFC 4180 reader for rosters exported from spreadsheets: quoted fields ("" inside
 * quotes is one "), commas and newlines inside quotes, CRLF or LF line ends, a UTF-8 BOM.
 * Every record keeps the line it starts on, so a problem points at the line to fix.
 */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
  /** True for an empty line (or one of only separators): spreadsheets leave these at the end. */
  readonly blank: boolean;
}

export interface CsvResult {
  readonly records: readonly CsvRecord[];
  readonly problems: readonly string[];
}

export function parseCsv(input: string, origin: string): CsvResult {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const problems: string[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let quotedAny = false;
    // One record: fields until an unquoted line end or the end of the text.
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        quotedAny = true;
        i++;
        let closed = false;
        while (i < text.length) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          if (c === '\r' && text[i + 1] !== '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          problems.push(`${origin}:${start}: a quoted field is never closed (a " is missing).`);
          return { records, problems };
        }
        // After the closing quote only a separator or a line end may follow.
        const after = readUntilSeparator(text, i);
        if (after.text.trim() !== '') {
          problems.push(
            `${origin}:${line}: unexpected text ${JSON.stringify(after.text.trim())} after a closing quote (write "" for a quote inside a quoted field).`,
          );
        }
        i = after.end;
      } else {
        const raw = readUntilSeparator(text, i);
        field = raw.text;
        if (field.includes('"')) {
          problems.push(`${origin}:${line}: a " inside an unquoted field; quote the whole field and double the quote ("a ""b"" c").`);
        }
        i = raw.end;
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // Line end (or end of text).
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    const blank = !quotedAny && fields.every((f) => f.trim() === '');
    records.push({ line: start, fields, blank });
  }
  return { records, problems };
}

function readUntilSeparator(text: string, from: number): { text: string; end: number } {
  let end = from;
  while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
  return { text: text.slice(from, end), end };
}
