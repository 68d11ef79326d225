import { describe, expect, it } from 'vitest';
import { githubSlug, linkDocsPaths, renderInlineMarkdown, renderMarkdown, safeHref } from '../../ui/markdown.js';

describe('markdown for the browser', () => {
  it('renders headings with GitHub slugs, numbering repeats', () => {
    const out = renderMarkdown('## Sign-in, tools and permissions\n\n### Not `logged` in\n\n### Not `logged` in\n').text;
    expect(out).toContain('<h2 id="sign-in-tools-and-permissions">');
    expect(out).toContain('<h3 id="not-logged-in">Not <code>logged</code> in</h3>');
    expect(out).toContain('<h3 id="not-logged-in-1">');
    expect(githubSlug('Helm 4: `--wait` means [watcher](x)')).toBe('helm-4---wait-means-watcher');
  });

  it("keeps the docs' anchors and folds, escapes any other raw HTML", () => {
    const out = renderMarkdown(
      '<a id="helm-repo-404"></a>\n\n<details>\n<summary>More</summary>\n\nx\n\n</details>\n\n' +
        '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n',
    ).text;
    expect(out).toContain('<a id="helm-repo-404"></a>');
    expect(out).toContain('<details>');
    expect(out).toContain('<summary>More</summary>');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
    expect(out).not.toContain('<img');
  });

  it('drops unsafe link schemes and remote images; docs links become absolute', () => {
    const out = renderMarkdown(
      '[a](javascript:alert(1)) [b](docs/errata.md#x) [c](https://example.org) ![logo](https://cdn.example/x.png)',
    ).text;
    expect(out).not.toContain('javascript:');
    expect(out).toContain('href="/docs/errata.md#x"');
    expect(out).toContain('href="https://example.org" rel="noopener noreferrer"');
    expect(out).not.toContain('cdn.example');
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('errata.md#y')).toBe('errata.md#y');
  });

  it('links the bare docs path a hint ends with', () => {
    expect(linkDocsPaths('Run again. See docs/troubleshooting.md#helm-repo-404')).toBe(
      'Run again. See [docs/troubleshooting.md#helm-repo-404](docs/troubleshooting.md#helm-repo-404)',
    );
    expect(linkDocsPaths('[docs/errata.md](docs/errata.md)')).toBe('[docs/errata.md](docs/errata.md)');
    const out = renderInlineMarkdown('Use `helm repo add`. See docs/troubleshooting.md#x').text;
    expect(out).toBe('Use <code>helm repo add</code>. See <a href="/docs/troubleshooting.md#x">docs/troubleshooting.md#x</a>');
  });
});
