import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { StepPhase } from '../../runner/progress-events.js';
import { applyRunEvent, createMatrix, type Matrix } from '../../workshop/matrix.js';
import { renderMatrix } from '../../workshop/matrix-render.js';

const at = '2026-11-26T10:00:00.000Z';
const step = (matrix: Matrix, attendee: string, stepId: string, phase: 'done' | 'running' | 'failed', error?: string) => {
  const status = phase satisfies StepPhase;
  applyRunEvent(matrix, attendee, { type: 'step', at, stepId, phase, status, attempt: 1, ...(error ? { error } : {}) });
};

function sample() {
  const matrix = createMatrix(['preflight', 'key-vault', 'verify'], ['alice', 'bob-with-a-much-longer-attendee-name']);
  step(matrix, 'alice', 'preflight', 'done');
  step(matrix, 'alice', 'key-vault', 'failed', 'VaultAlreadyExists');
  step(matrix, 'bob-with-a-much-longer-attendee-name', 'preflight', 'running');
  return matrix;
}

describe('the matrix, with and without colour', () => {
  it('colour on paints cells with chalk; the text is the same as with colour off', () => {
    const colored = renderMatrix(sample(), { color: true, now: 0 });
    const plain = renderMatrix(sample(), { color: false, now: 0 });
    expect(colored.join('\n')).toContain('\u001b[32m✔\u001b[39m');
    expect(colored.join('\n')).toContain('\u001b[31m✖\u001b[39m');
    expect(plain.join('\n')).not.toContain('\u001b[');
    expect(colored.map((line) => stripVTControlCharacters(line))).toEqual(plain);
  });

  it('cuts on visible characters: colour never counts as width, and no style is left open', () => {
    for (const width of [20, 33, 60]) {
      const lines = renderMatrix(sample(), { color: true, width, now: 0 });
      for (const line of lines) {
        expect([...stripVTControlCharacters(line)].length).toBeLessThan(width);
        const opened = (line.match(/\u001b\[3[1-8]m|\u001b\[2m/g) ?? []).length;
        expect((line.match(/\u001b\[39m|\u001b\[22m/g) ?? []).length).toBe(opened);
      }
      const plain = renderMatrix(sample(), { color: false, width, now: 0 });
      expect(lines.map((line) => stripVTControlCharacters(line))).toEqual(plain);
    }
  });
});
