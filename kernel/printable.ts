/**
 * Text a terminal shows as it is: control characters (ESC starts colour and cursor codes) and
 * invisible or direction-changing ones (RLO, RLM, zero-width space) are printed as escapes, so
 * an error message that quotes a bad value cannot repaint the screen or disguise itself.
 * Newlines and tabs stay: messages span lines.
 */
const unsafe =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

export function printable(text: string): string {
  return text.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
