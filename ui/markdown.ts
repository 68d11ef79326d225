/**
 * Markdown to HTML for the browser: step explanations, failure hints and the docs. Our own
 * text, but rendered defensively all the same: raw HTML is escaped except the few tags the docs
 * use for anchors and folding (`<a id>`, `<details>`, `<summary>`), links keep only safe
 * schemes, and images become their alt text (nothing is ever fetched from elsewhere).
 * Headings get GitHub's slugs as ids, so `docs/troubleshooting.md#some-heading` lands where it
 * does on GitHub.
 */
import { Marked, type Tokens } from 'marked';
import { escapeHtml, raw, type Html } from './html.js';

const allowedTag = /^<(?:a\s+(?:id|name)="[\w-]+"|\/a|\/?details|\/?summary)\s*>$/;

/** Raw HTML as the docs use it: the allowed tags kept, any other tag and all text escaped. */
function filterHtml(text: string): string {
  return text
    .split(/(<[^<>]*>)/)
    .map((part) => (allowedTag.test(part) ? part : escapeHtml(part)))
    .join('');
}

/** GitHub's heading slug: rendered text, lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The href to emit, or undefined for a link that must not be followed (javascript:, data:...). */
export function safeHref(href: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1]?.toLowerCase();
  if (scheme !== undefined && !['http', 'https', 'mailto'].includes(scheme)) return undefined;
  // Explanations link docs/ relative to the repository root; served at /docs/ from any page.
  return href.startsWith('docs/') ? `/${href}` : href;
}

function createMarked(): Marked {
  const slugs = new Map<string, number>();
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag): string {
        return filterHtml(text);
      },
      heading(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, { tokens, depth, text }: Tokens.Heading): string {
        const slug = githubSlug(text);
        const count = slugs.get(slug) ?? 0;
        slugs.set(slug, count + 1);
        const id = count === 0 ? slug : `${slug}-${count}`;
        return `<h${depth} id="${escapeHtml(id)}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
      link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, { href, title, tokens }: Tokens.Link): string {
        const inner = this.parser.parseInline(tokens);
        const target = safeHref(href);
        if (target === undefined) return inner;
        const external = /^https?:/i.test(target);
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
        const rel = external ? ' rel="noopener noreferrer" target="_blank"' : '';
        return `<a href="${escapeHtml(target)}"${titleAttr}${rel}>${inner}</a>`;
      },
      image({ text }: Tokens.Image): string {
        return escapeHtml(text);
      },
    },
  });
  return marked;
}

export function renderMarkdown(markdown: string): Html {
  return raw(createMarked().parse(markdown, { async: false }));
}

/** One paragraph's worth (a hint, an error line): inline Markdown, no block elements. */
export function renderInlineMarkdown(markdown: string): Html {
  return raw(createMarked().parseInline(linkDocsPaths(markdown), { async: false }));
}

/** Hints end with a bare `See docs/troubleshooting.md#anchor`: make it a link. */
export function linkDocsPaths(text: string): string {
  return text.replace(/(?<![(\w/[`])docs\/[\w-]+\.md(?:#[\w-]+)?(?![\w`\]])/g, (path) => `[${path}](${path})`);
}
