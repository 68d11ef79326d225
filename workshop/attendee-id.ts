/**
 * Attendee ids become folder names (DIR/<id>/) and `--attendee` arguments, so they must be
 * safe as both: letters, digits, "-" and "_", at most 40 characters. Anything that could climb
 * out of the workshop dir ("../x"), split a shell word (spaces) or read as a flag ("-x") is
 * refused rather than "cleaned up": a silently rewritten id would not match the roster.
 */
export const MAX_ID_LENGTH = 40;

/** Ids are compared in NFC, so "é" typed on macOS (NFD) and on Linux (NFC) is one attendee. */
export function normalizeId(id: string): string {
  return id.trim().normalize('NFC');
}

/** Returns why `id` cannot be an attendee id, or undefined when it can. */
export function attendeeIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  const length = [...id].length;
  if (length > MAX_ID_LENGTH) return `is ${length} characters; at most ${MAX_ID_LENGTH} are allowed`;
  if (!/^[\p{L}\p{N}_-]+$/u.test(id)) {
    const bad = [...new Set([...id].filter((c) => !/[\p{L}\p{N}_-]/u.test(c)))].map(describeChar).join(', ');
    return `may contain only letters, digits, "-" and "_" (it becomes a folder name); found ${bad}`;
  }
  if (id.startsWith('-')) return 'must not start with "-" (a shell command would read the folder name as a flag)';
  return undefined;
}

/**
 * Case-folded key for duplicate detection: "Alice" and "alice" are one folder on macOS and
 * Windows, so they must not be two attendees.
 */
export function idKey(id: string): string {
  return normalizeId(id).toLowerCase();
}

function describeChar(char: string): string {
  if (char === ' ') return 'a space';
  if (char === '/' || char === '\\') return `"${char}" (a path separator)`;
  if (char === '.') return '"." (no dots: "../x" would leave the workshop dir)';
  if (/\s/.test(char)) return 'whitespace';
  return `"${char}"`;
}
