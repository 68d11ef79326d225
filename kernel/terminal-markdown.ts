import type { ChalkInstance } from 'chalk';

/**
 * The small Markdown of step explanations and hints, for a terminal: **bold**, *italic*,
 * `code`, [links](docs/errata.md#anchor), `- ` lists and blank-line paragraphs. No marker is
 * ever printed: with colour the spans are styled, without it (chalk level 0: NO_COLOR, a
 * pipe, CI) they are plain text.
 */

interface Style {
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly code?: boolean;
  readonly link?: boolean;
  readonly dim?: boolean;
}

/** A run of text with one style. */
interface Span {
  readonly text: string;
  readonly style: Style;
}

type LinkRenderer = (label: Span[], target: string, style: Style) => Span[];

// In the order they win a tie: nothing inside code is Markdown, and a link's label may hold emphasis.
const inlinePatterns: readonly [kind: 'code' | 'link' | 'bold' | 'italic', pattern: RegExp][] = [
  ['code', /`([^`]+)`/],
  ['link', /\[([^\]]+)\]\(([^)\s]+)\)/],
  ['bold', /\*\*(\S(?:[^]*?\S)?)\*\*/],
  ['italic', /(?<![\w*])\*(?=[^\s*])([^*]*?[^\s*])\*(?![\w*])/],
];

function parseInline(text: string, style: Style, renderLink: LinkRenderer): Span[] {
  const spans: Span[] = [];
  let rest = text;
  while (rest) {
    let first: { kind: (typeof inlinePatterns)[number][0]; match: RegExpExecArray } | undefined;
    for (const [kind, pattern] of inlinePatterns) {
      const match = pattern.exec(rest);
      if (match && (!first || match.index < first.match.index)) first = { kind, match };
    }
    if (!first) {
      spans.push({ text: rest, style });
      break;
    }
    const { kind, match } = first;
    if (match.index > 0) spans.push({ text: rest.slice(0, match.index), style });
    const inner = match[1] ?? '';
    if (kind === 'code') spans.push({ text: inner, style: { ...style, code: true } });
    else if (kind === 'link') spans.push(...renderLink(parseInline(inner, { ...style, link: true }, renderLink), match[2] ?? '', style));
    else spans.push(...parseInline(inner, { ...style, [kind]: true }, renderLink));
    rest = rest.slice(match.index + match[0].length);
  }
  return spans;
}

function paint(chalk: ChalkInstance, text: string, style: Style): string {
  let out = text;
  if (style.code) out = chalk.cyan(out);
  if (style.bold) out = chalk.bold(out);
  if (style.italic) out = chalk.italic(out);
  if (style.link) out = chalk.underline(out);
  if (style.dim) out = chalk.dim(out);
  return out;
}

const labelText = (label: Span[]) => label.map((s) => s.text).join('');

/** One line of Markdown (a hint): a link becomes its text followed by its target. */
export function renderInline(markdown: string, chalk: ChalkInstance): string {
  const spans = parseInline(markdown, {}, (label, target, style) => {
    const path: Span = { text: target, style: { ...style, code: true } };
    return labelText(label) === target ? [path] : [...label, { text: ' (', style }, path, { text: ')', style }];
  });
  return spans.map((s) => paint(chalk, s.text, s.style)).join('');
}

export interface BlockOptions {
  /** Wrap paragraphs and list items to this many columns (default 100). */
  readonly width?: number;
}

/** A paragraph or a list item: its text, the first line's prefix, and the indent of the lines after. */
interface Block {
  readonly text: string;
  readonly bullet?: string;
  readonly indent: string;
}

function blocksOf(markdown: string): (Block | 'gap')[] {
  const blocks: (Block | 'gap')[] = [];
  let current: { lines: string[]; bullet?: string; indent: string } | undefined;
  const flush = () => {
    if (!current) return;
    const { lines, bullet, indent } = current;
    blocks.push({ text: lines.join(' '), indent, ...(bullet === undefined ? {} : { bullet }) });
    current = undefined;
  };
  for (const line of markdown.trim().split('\n')) {
    const item = /^(\s*)[-*] (?=\S)(.*)$/.exec(line);
    if (line.trim() === '') {
      flush();
      if (blocks.at(-1) !== 'gap') blocks.push('gap');
    } else if (item) {
      flush();
      current = { lines: [item[2]!.trim()], bullet: item[1]!, indent: `${item[1]!}  ` };
    } else if (current) current.lines.push(line.trim());
    else current = { lines: [line.trim()], indent: '' };
  }
  flush();
  return blocks;
}

/**
 * A block (a step explanation), wrapped to `width`. Each link's text gets a `[n]` mark and its
 * target is listed after the text, so a paragraph with several links stays readable and every
 * path can be copied whole.
 */
export function renderMarkdown(markdown: string, chalk: ChalkInstance, options: BlockOptions = {}): string[] {
  const width = Math.max(40, options.width ?? 100);
  const notes: string[] = [];
  const renderLink: LinkRenderer = (label, target, style) => {
    if (labelText(label) === target) return [{ text: target, style: { ...style, code: true } }];
    const n = notes.includes(target) ? notes.indexOf(target) + 1 : notes.push(target);
    return [...label, { text: `[${n}]`, style: { ...style, dim: true } }];
  };
  const lines: string[] = [];
  for (const block of blocksOf(markdown)) {
    if (block === 'gap') lines.push('');
    else {
      const bullet = block.bullet === undefined ? '' : `${block.bullet}${chalk.level > 0 ? '•' : '-'} `;
      lines.push(...wrap(parseInline(block.text, {}, renderLink), width, bullet, block.indent, chalk));
    }
  }
  if (notes.length === 0) return lines;
  return [...lines, '', ...notes.map((target, i) => `${chalk.dim(`[${i + 1}]`)} ${chalk.cyan(target)}`)];
}

/**
 * Words (runs without spaces, possibly of several styles) wrapped to `width`. Each piece is
 * painted alone, so no style runs across a line break; a space inside a span (a link's label)
 * keeps the span's style.
 */
function wrap(spans: Span[], width: number, first: string, indent: string, chalk: ChalkInstance): string[] {
  const words: { spans: Span[]; gap?: Style }[] = [{ spans: [] }];
  for (const span of spans) {
    span.text.split(/(\s+)/).forEach((piece) => {
      if (/^\s+$/.test(piece)) words.push({ spans: [], gap: span.style });
      else if (piece) words.at(-1)!.spans.push({ text: piece, style: span.style });
    });
  }
  const lines: string[] = [];
  let line = first;
  let visible = first.length;
  let empty = true;
  for (const word of words.filter((w) => w.spans.length > 0)) {
    const length = word.spans.reduce((n, s) => n + [...s.text].length, 0);
    if (!empty && visible + 1 + length > width) {
      lines.push(line);
      line = indent;
      visible = indent.length;
      empty = true;
    }
    const gap = empty ? '' : paint(chalk, ' ', word.gap ?? {});
    line += `${gap}${word.spans.map((s) => paint(chalk, s.text, s.style)).join('')}`;
    visible += (empty ? 0 : 1) + length;
    empty = false;
  }
  lines.push(line);
  return lines;
}
