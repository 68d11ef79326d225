/**
 * Just enough Markdown to check links the way GitHub resolves them: explicit `<a id>` /
 * `<a name>` anchors and heading slugs, both outside fenced code blocks.
 */

/** The lines outside fenced code blocks (a fence closes with the same character, at least as long). */
function outsideFences(markdown: string): string[] {
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    const closes =
      fence !== undefined && opener !== undefined && line.trim() === opener && opener[0] === fence[0] && opener.length >= fence.length;
    if (fence === undefined && opener) fence = opener;
    else if (closes) fence = undefined;
    else if (fence === undefined) kept.push(line);
  }
  return kept;
}

/** GitHub's heading slug: rendered text, lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''));
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

export function explicitAnchorsOf(markdown: string): string[] {
  return outsideFences(markdown).flatMap((line) => [...line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((m) => m[1]!));
}

export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set(explicitAnchorsOf(markdown));
  const seen = new Map<string, number>();
  for (const line of outsideFences(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Markdown link targets. */
export function linksIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!))];
}

/** Markdown link targets and bare `docs/<file>.md#<anchor>` paths (hints print the path alone). */
export function docsPathsIn(text: string): string[] {
  const bare = [...text.matchAll(/(?<![(\w/])docs\/[\w-]+\.md(?:#[\w-]+)?/g)].map((m) => m[0]);
  return [...new Set([...linksIn(text), ...bare])];
}

/** From an explicit anchor to the next entry's anchor or the next `##` section. */
export function sectionAt(markdown: string, anchor: string): string {
  const start = markdown.indexOf(`<a id="${anchor}"></a>`);
  if (start === -1) return '';
  const rest = markdown.slice(start + 1);
  const ends = [rest.search(/\n<a id="/), rest.search(/\n## /)].filter((i) => i >= 0);
  return rest.slice(0, ends.length > 0 ? Math.min(...ends) : undefined);
}

/** The content of the first fenced code block. */
export function firstCodeBlock(markdown: string): string | undefined {
  return /^```[\w-]*\n([^]*?)\n```/m.exec(markdown)?.[1];
}
