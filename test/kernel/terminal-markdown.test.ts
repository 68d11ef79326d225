import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderInline, renderMarkdown } from '../../kernel/terminal-markdown.js';
import { chalkFor, chalkWith, colorFor } from '../../kernel/terminal-style.js';
import { steps } from '../../steps/index.js';

const plain = chalkWith(false);
const color = chalkWith(true);
const ESC = '\u001b[';
const markers = /\*\*|`|\]\(|^\s*\* /m;

const sample = `
Blog step 2, **hardened**: \`az keyvault create\` is *not idempotent* on an existing
vault ([why](docs/errata.md#key-vault-create-not-idempotent)), and **Key Vault
Certificates Officer** spans two lines.
- **Show before create.** \`--enable-rbac-authorization
  true\` crosses a line too.
- Choose the [access model](docs/errata.md#key-vault-access-model).

Last paragraph, [docs/errata.md](docs/errata.md) shown as itself.
`;

describe('explanations without colour (NO_COLOR, a pipe, CI)', () => {
  const lines = renderMarkdown(sample, plain, { width: 200 });
  const text = lines.join('\n');

  it('print no Markdown marker and no escape code', () => {
    expect(text).not.toMatch(markers);
    expect(text).not.toContain(ESC);
  });

  it('keep the words, lists as "- " items, paragraphs apart, links as numbered notes', () => {
    expect(lines).toEqual([
      'Blog step 2, hardened: az keyvault create is not idempotent on an existing vault (why[1]), ' +
        'and Key Vault Certificates Officer spans two lines.',
      '- Show before create. --enable-rbac-authorization true crosses a line too.',
      '- Choose the access model[2].',
      '',
      'Last paragraph, docs/errata.md shown as itself.',
      '',
      '[1] docs/errata.md#key-vault-create-not-idempotent',
      '[2] docs/errata.md#key-vault-access-model',
    ]);
  });

  it('wrap to the width, list items with a hanging indent', () => {
    const narrow = renderMarkdown(sample, plain, { width: 40 });
    // Note lines hold a whole path, never cut.
    for (const line of narrow.filter((l) => !/^\[\d+\] /.test(l))) expect(line.length).toBeLessThanOrEqual(40);
    const item = narrow.findIndex((l) => l.startsWith('- Show'));
    expect(narrow[item + 1]).toMatch(/^ {2}\S/);
  });

  it('number a target once however often it is linked', () => {
    const twice = renderMarkdown('[a](docs/x.md#y) and [b](docs/x.md#y)', plain);
    expect(twice).toEqual(['a[1] and b[1]', '', '[1] docs/x.md#y']);
  });

  it('leave a star that is not emphasis alone', () => {
    expect(renderMarkdown('the `azurepolicy-ratifyverification-*` constraint, 2 * 3', plain)).toEqual([
      'the azurepolicy-ratifyverification-* constraint, 2 * 3',
    ]);
  });
});

describe('explanations with colour', () => {
  const lines = renderMarkdown(sample, color, { width: 200 });
  const text = lines.join('\n');

  it('style bold, italic, code and links with escape codes, never with markers', () => {
    expect(text).toContain(`${ESC}1mhardened${ESC}22m`);
    expect(text).toContain(`${ESC}3mnot${ESC}23m`);
    expect(text).toContain(`${ESC}36mkeyvault${ESC}39m`);
    expect(text).toContain(`${ESC}4mwhy${ESC}24m`);
    expect(text).toContain('•');
    expect(stripVTControlCharacters(text)).not.toMatch(markers);
  });

  it('say the same words as the plain rendering', () => {
    const plainLines = renderMarkdown(sample, plain, { width: 200 });
    expect(lines.map((l) => stripVTControlCharacters(l).replace('•', '-'))).toEqual(plainLines);
  });

  it('never let a style run across a line break', () => {
    for (const line of renderMarkdown(sample, color, { width: 30 })) {
      const opened = (line.match(/\u001b\[(1|2|3|4|36)m/g) ?? []).length;
      const closed = (line.match(/\u001b\[(22|23|24|39)m/g) ?? []).length;
      expect(closed).toBe(opened);
    }
  });
});

describe('every step explanation renders clean', () => {
  it.each(steps.map((s) => [s.id, s]))('%s', (_id, step) => {
    const text = renderMarkdown(step.explain, plain).join('\n');
    expect(text).not.toMatch(markers);
    expect(text.length).toBeGreaterThan(100);
  });
});

describe('hints (one line)', () => {
  it('render code and links inline, without markers when plain', () => {
    const hint = 'Run `az keyvault purge -n <name>`; see [why](docs/troubleshooting.md#keyvault-name-reserved).';
    expect(renderInline(hint, plain)).toBe('Run az keyvault purge -n <name>; see why (docs/troubleshooting.md#keyvault-name-reserved).');
    expect(renderInline(hint, color)).toContain(`${ESC}36maz keyvault purge -n <name>${ESC}39m`);
  });
});

describe('the colour decision is ours, per stream', () => {
  const tty = { isTTY: true };
  it('a terminal gets colour; NO_COLOR, TERM=dumb or a pipe do not', () => {
    expect(colorFor({ env: { TERM: 'xterm' } }, tty)).toBe(true);
    expect(colorFor({ env: { TERM: 'xterm', NO_COLOR: '1' } }, tty)).toBe(false);
    expect(colorFor({ env: { TERM: 'dumb' } }, tty)).toBe(false);
    expect(colorFor({ env: { TERM: 'xterm' } }, { isTTY: false })).toBe(false);
    expect(colorFor({ env: { TERM: 'xterm', NO_COLOR: '' } }, tty)).toBe(true);
  });

  it("chalk's level follows that decision and the terminal's depth, not process.stdout", () => {
    expect(chalkFor({ env: { TERM: 'xterm' } }, { isTTY: false }).level).toBe(0);
    expect(chalkFor({ env: { TERM: 'xterm' } }, tty).level).toBe(1);
    expect(chalkFor({ env: { TERM: 'xterm-256color' } }, tty).level).toBe(2);
    expect(chalkFor({ env: { TERM: 'xterm', COLORTERM: 'truecolor' } }, tty).level).toBe(3);
    expect(chalkFor({ env: { TERM: 'xterm', NO_COLOR: '1' } }, tty).bold('x')).toBe('x');
  });
});
