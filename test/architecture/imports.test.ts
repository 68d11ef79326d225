import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The import graph of the product's own code, read from the sources (static and lazy imports).
const root = resolve(import.meta.dirname, '../..');
const folders = ['bin', 'kernel', 'cli', 'runner', 'steps', 'prompts', 'checkpoints', 'sandbox', 'workshop', 'ui', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const folder of folders) {
    for (const file of sourceFiles(join(root, folder))) {
      const text = readFileSync(file, 'utf8');
      const targets = [...text.matchAll(importPattern)].map((m) => {
        const spec = (m[1] ?? m[2])!;
        return relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      });
      edges.set(relative(root, file), targets);
    }
  }
  return edges;
}

const folderOf = (path: string) => path.split('/')[0]!;

/** Arrows that must not exist: a shared-kernel piece living in the wrong room would need one. */
const forbidden: Array<[from: string, to: string]> = [
  ['kernel', 'bin'],
  ['kernel', 'cli'],
  ['kernel', 'runner'],
  ['kernel', 'steps'],
  ['kernel', 'prompts'],
  ['kernel', 'checkpoints'],
  ['kernel', 'sandbox'],
  ['kernel', 'workshop'],
  ['checkpoints', 'runner'],
  ['prompts', 'runner'],
  ['sandbox', 'runner'],
  ['workshop', 'cli'],
  ['workshop', 'bin'],
  ['steps', 'prompts'],
  ['steps', 'sandbox'],
  ['steps', 'cli'],
  ['runner', 'steps'],
  ['runner', 'sandbox'],
  ['runner', 'cli'],
  // ui/ (local pages) builds on the engine, prompts, kernel, ledger and workshop model; only cli/ (and the bench) use it.
  ['ui', 'cli'],
  ['ui', 'bin'],
  ['ui', 'steps'],
  ['ui', 'sandbox'],
  ['kernel', 'ui'],
  ['runner', 'ui'],
  ['steps', 'ui'],
  ['prompts', 'ui'],
  ['checkpoints', 'ui'],
  ['sandbox', 'ui'],
  ['workshop', 'ui'],
  ['bin', 'ui'],
];

describe('import graph', () => {
  const edges = graph();

  it('reads a real graph (the parser finds imports)', () => {
    expect(edges.size).toBeGreaterThan(100);
    expect(edges.get('cli/main.ts')).toContain('cli/commands/run.ts');
    expect(edges.get('runner/engine.ts')?.some((t) => t.startsWith('kernel/'))).toBe(true);
  });

  it.each(forbidden)('nothing in %s/ imports from %s/', (from, to) => {
    const arrows = [...edges].flatMap(([file, targets]) =>
      folderOf(file) === from ? targets.filter((t) => folderOf(t) === to).map((t) => `${file} -> ${t}`) : [],
    );
    expect(arrows).toEqual([]);
  });

  it('has no circle between folders', () => {
    const folderEdges = new Map<string, Set<string>>();
    for (const [file, targets] of edges) {
      for (const target of targets) {
        if (folderOf(target) === folderOf(file)) continue;
        if (!folderEdges.has(folderOf(file))) folderEdges.set(folderOf(file), new Set());
        folderEdges.get(folderOf(file))!.add(folderOf(target));
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      for (const next of folderEdges.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of folderEdges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('has no circle between files (lazy imports included)', () => {
    const state = new Map<string, 'open' | 'closed'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'closed') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'closed');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
