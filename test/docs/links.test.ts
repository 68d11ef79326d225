import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { genericKnownFailures, hintsFor } from '../../runner/known-failures.js';
import type { KnownFailure, Step } from '../../runner/step.js';
import { steps } from '../../steps/index.js';
import { anchorsOf, docsPathsIn, explicitAnchorsOf, firstCodeBlock, linksIn, sectionAt } from './markdown-anchors.js';

/**
 * The docs that hints and explanations point to live in the repository, and every pointer
 * resolves: `docs/<file>.md#<anchor>` must name an anchor that exists (explicit `<a id>` or a
 * heading, computed the way GitHub does).
 */
const root = resolve(import.meta.dirname, '../..');
const docs = ['docs/errata.md', 'docs/troubleshooting.md'];
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const anchors = new Map(docs.map((doc) => [doc, anchorsOf(read(doc))]));

function resolves(link: string, from = ''): boolean {
  const [path = '', anchor] = link.split('#');
  const target = path === '' ? from : relative(root, resolve(root, dirname(from), path));
  const known = anchors.get(target);
  if (!known) return false;
  return anchor === undefined || known.has(anchor);
}

const stepFailures = steps.flatMap((step) => (step.knownFailures ?? []).map((failure) => ({ step: step.id, failure })));
const allFailures: { step: string; failure: KnownFailure }[] = [
  ...stepFailures,
  ...genericKnownFailures.map((failure) => ({ step: '(any)', failure })),
];

describe('docs in the repository', () => {
  it('both documents exist and have anchors', () => {
    for (const doc of docs) expect(anchors.get(doc)?.size, doc).toBeGreaterThan(20);
  });

  it('the anchor reader sees explicit anchors and GitHub heading slugs', () => {
    const found = anchorsOf('<a id="x-y"></a>\n## 4. The `vault`: RBAC, by default!\n## Same\n## Same\n```\n## not a heading\n```\n');
    expect([...found].sort()).toEqual(['4-the-vault-rbac-by-default', 'same', 'same-1', 'x-y']);
  });

  it('every known failure links to an existing troubleshooting entry', () => {
    const broken = allFailures.filter(({ failure }) => !resolves(failure.see)).map(({ step, failure }) => `${step}: ${failure.see}`);
    expect(broken).toEqual([]);
    expect(allFailures.length).toBeGreaterThan(25);
  });

  it("each entry's message is matched by the known failure that links to it", () => {
    const text = read('docs/troubleshooting.md');
    const mismatched = allFailures.flatMap(({ step, failure }) => {
      const anchor = failure.see.split('#')[1] ?? '';
      const block = firstCodeBlock(sectionAt(text, anchor));
      return block !== undefined && failure.match.test(block) ? [] : [`${step}: ${anchor} (${failure.match})`];
    });
    expect(mismatched).toEqual([]);
  });

  it('a hint as shown ends with its link, and the link is the only docs reference it needs', () => {
    const step = steps.find((s) => s.id === 'ratify-install') as Step;
    const [hint] = hintsFor(step, 'Error: looks like "https://ratify-project.github.io/ratify" is not a valid chart repository');
    expect(hint).toMatch(/ See docs\/troubleshooting\.md#helm-repo-404$/);
  });

  it('every docs link in a hint or a step explanation resolves', () => {
    const texts = [
      ...steps.map((s) => ({ where: `${s.id} explain`, text: s.explain })),
      ...allFailures.map(({ step, failure }) => ({ where: `${step} hint`, text: failure.hint })),
    ];
    const links = texts.flatMap(({ where, text }) => docsPathsIn(text).map((link) => ({ where, link })));
    expect(links.length).toBeGreaterThan(15);
    expect(links.filter(({ link }) => link.startsWith('docs/') && !resolves(link))).toEqual([]);
    // Relative links resolve from the repository root (GitHub and the terminal alike).
    expect(links.filter(({ link }) => !/^(docs\/|https:\/\/)/.test(link))).toEqual([]);
  });

  it('step explanations cite errata by link, never by a bare number', () => {
    const bare = steps.filter((s) => /\berrat(?:um|a)\s+\d/i.test(s.explain.replace(/\[[^\]]*\]\([^)]*\)/g, '')));
    expect(bare.map((s) => s.id)).toEqual([]);
  });

  it('links inside the docs resolve too', () => {
    const broken = docs.flatMap((doc) =>
      linksIn(read(doc))
        .filter((link) => !/^https?:\/\//.test(link))
        .filter((link) => !resolves(link, doc))
        .map((link) => `${doc}: ${link}`),
    );
    expect(broken).toEqual([]);
  });

  it('every troubleshooting entry has a message, a cause and a fix', () => {
    const text = read('docs/troubleshooting.md');
    const entries = explicitAnchorsOf(text);
    const incomplete = entries.filter((anchor) => {
      const section = sectionAt(text, anchor);
      return firstCodeBlock(section) === undefined || !section.includes('**Cause:**') || !section.includes('**Fix:**');
    });
    expect(entries.length).toBeGreaterThan(30);
    expect(incomplete).toEqual([]);
  });

  it('the package ships the docs its hints point to', () => {
    const pkg = JSON.parse(read('package.json')) as { files: string[] };
    expect(pkg.files).toContain('docs');
  });
});

/** Folders and root files of the repository that hold source, tests, templates and docs. */
const scanned = [
  'bin',
  'kernel',
  'cli',
  'runner',
  'steps',
  'prompts',
  'checkpoints',
  'sandbox',
  'workshop',
  'bench',
  'test',
  'templates',
  'docs',
  '.ci',
];
const rootFiles = ['README.md', 'package.json', 'vitest.config.ts'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|mts|mjs|js|md|ya?ml|json|sh)$/.test(name) || basename(dir) === '.ci' ? [path] : [];
  });
}

/** What no line may cite: documents outside the repository, our issue numbers, hint codes. */
const outsideReferences: [what: string, pattern: RegExp][] = [
  ['the design document', /\bDESIGN\b/],
  ['an issue number of ours (upstream ones are written owner/repo#N)', /\bissues? #?\d+/i],
  ['a hint code', /(?<![\w=/.-])C\d{1,2}(?=[:),]|\s*\))/],
  ["a file of the team's notes", /tool-outputs|offline-harness|upstream-2026|ratify-on-aks|runbook-anchors|style-anchors|\/work\/shared/],
  ["a section of the team's notes", /\b[Rr]eference\s+(section|step|[A-F]\d|F\b|TL;DR)|\bsection [A-F]\d*\b|§|\berrata B\d/],
];

describe('no line refers to a document outside the repository', () => {
  const files = [...scanned.flatMap((dir) => filesUnder(join(root, dir))), ...rootFiles.map((f) => join(root, f))].filter(
    (path) => path !== import.meta.filename,
  );

  it('scans the whole repository', () => {
    expect(files.length).toBeGreaterThan(150);
  });

  it.each(outsideReferences)('none cites %s', (_what, pattern) => {
    const hits = files.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(root, path)}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('step explanations and source comments cite errata by link, not by number', () => {
    const sources = files.filter((path) => /\.(ts|ya?ml)$/.test(path));
    const bareNumber = (line: string) => /\berrat(?:um|a)\s+\d/i.test(line.replace(/\[[^\]]*\]\([^)]*\)/g, ''));
    const hits = sources.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, i) => (bareNumber(line) ? [`${relative(root, path)}:${i + 1}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});
