import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveAnswers } from '../../prompts/answer-sources.js';
import { answersFilePath, loadSavedAnswers, saveAnswers } from '../../prompts/answers-file.js';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { questions } from '../../prompts/questions.js';
import type { QuestionSet } from '../../prompts/questions.js';
import { UsageError } from '../../kernel/errors.js';

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ratify-answers-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('answers.yaml in the state dir', () => {
  it('is absent on a first run', async () => {
    expect(await loadSavedAnswers(await stateDir())).toBeUndefined();
  });

  it('round-trips the effective answers with a header, and leaves no temp file', async () => {
    const dir = await stateDir();
    const resolved = resolveAnswers({
      needed: ['aksName', 'tag', 'cleanupImageIntegrity', 'certSubject'],
      layers: { env: { RATIFY_RUNBOOK_AKS_NAME: 'aks1' }, sets: ['tag=1.10'] },
    });
    await saveAnswers({ stateDir: dir, values: resolved.values, provenance: resolved.provenance });
    const text = await readFile(answersFilePath(dir), 'utf8');
    expect(text).toMatch(/^# ratify-runbook answers: /);
    expect(text).toContain('aksName: aks1  # RATIFY_RUNBOOK_AKS_NAME');
    expect(await readdir(dir)).toEqual(['answers.yaml']);

    const saved = await loadSavedAnswers(dir);
    const again = resolveAnswers({
      needed: ['aksName', 'tag', 'cleanupImageIntegrity', 'certSubject'],
      layers: { saved, env: {}, sets: [] },
    });
    expect(again.values).toEqual(resolved.values);
    expect(again.provenance.tag?.source).toBe('saved');
  });

  it('never writes a secret-flagged key, and ignores one found in a saved file', async () => {
    const dir = await stateDir();
    const secretSet: QuestionSet = questions.map((q) => (q.key === 'aksName' ? { ...q, secret: true } : q));
    await saveAnswers({ stateDir: dir, values: { aksName: 'hunter2', tag: 'v1' }, questions: secretSet });
    const text = await readFile(answersFilePath(dir), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('tag: v1');

    const tampered = parseAnswersYaml('aksName: hunter2\n', 'answers.yaml');
    const resolved = resolveAnswers({ needed: ['aksName'], layers: { saved: tampered, env: {}, sets: [] }, questions: secretSet });
    expect(resolved.values.aksName).toBeUndefined();
    expect(resolved.missing).toEqual(['aksName']);
  });

  it('reports a damaged saved file with file:line instead of resetting it', async () => {
    const dir = await stateDir();
    await writeFile(answersFilePath(dir), 'tag: v1\n  policyEffect: [\n');
    await expect(loadSavedAnswers(dir)).rejects.toThrow(UsageError);
    await expect(loadSavedAnswers(dir)).rejects.toThrow(/answers\.yaml:\d+:\d+/);
    expect(await readFile(answersFilePath(dir), 'utf8')).toBe('tag: v1\n  policyEffect: [\n');
  });
});
