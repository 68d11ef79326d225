/**
 * HTML built from strings, escaped by default: every interpolated value is escaped unless it is
 * an `Html` value (what `html`, `raw` and the renderers return). A page therefore cannot carry
 * markup from an answer, a command's output or an error message by accident.
 *
 *   html`<li data-step="${id}">${title}</li>`        // id and title escaped
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/** Markup already safe (built by `html` or a renderer that escapes): inserted as it is. */
export function raw(text: string): Html {
  return new Html(text);
}

function partText(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(partText).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += partText(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
