/**
 * The browser's prompter behind the terminal's interface: askAnswers drives it exactly as it
 * drives inquirer, so the page asks the same questions with the same help and validators.
 */
import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../prompts/answer-sources.js';
import { askAnswers } from '../../prompts/ask-answers.js';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { PromptInterruptedError } from '../../prompts/prompter.js';
import { questions } from '../../prompts/questions.js';
import { createWebPrompter, type PendingQuestion } from '../../ui/notebook/web-prompter.js';

/** Waits until the prompter shows a question (askAnswers asks asynchronously). */
async function next(pending: () => PendingQuestion | undefined, id?: string): Promise<PendingQuestion> {
  for (let i = 0; i < 100; i++) {
    const question = pending();
    if (question && question.id !== id) return question;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no question was asked');
}

describe('the web prompter', () => {
  it('asks the answers table, then the missing answer with its help, refusing what the validator refuses', async () => {
    const changes: string[] = [];
    const prompter = createWebPrompter({ signal: new AbortController().signal, onChange: () => changes.push('x') });
    const file = parseAnswersYaml('resourceGroup: rg-demo\nacrName: acrdemo01\n', 'answers.yaml');
    const resolved = resolveAnswers({ needed: ['resourceGroup', 'acrName', 'aksName'], layers: { file, env: {}, sets: [] }, questions });
    const asked = askAnswers({ resolved, prompter });

    const table = await next(prompter.pending);
    expect(table.kind).toBe('answers');
    expect(table.rows?.map((r) => [r.key, r.value])).toEqual([
      ['resourceGroup', 'rg-demo'],
      ['acrName', 'acrdemo01'],
    ]);
    expect(prompter.submit(table.id, 'maybe')).toEqual({ ok: false, problem: 'choose one of: accept, edit' });
    expect(prompter.submit(table.id, 'accept')).toEqual({ ok: true });

    const aks = await next(prompter.pending, table.id);
    const question = questions.find((q) => q.key === 'aksName')!;
    expect(aks).toMatchObject({ kind: 'input', key: 'aksName', message: question.message, help: question.help });
    const refused = prompter.submit(aks.id, '-aks');
    expect(refused.ok).toBe(false);
    expect(question.validate('-aks')).toBeDefined();
    expect(prompter.pending()).toMatchObject({ id: aks.id, problem: (refused as { problem: string }).problem, refused: '-aks' });
    expect(prompter.submit('q-stale', 'aks-demo').ok).toBe(false);
    expect(prompter.submit(aks.id, 'aks-demo')).toEqual({ ok: true });

    const result = await asked;
    expect(result.values.aksName).toBe('aks-demo');
    expect(result.provenance.aksName).toEqual({ source: 'prompt' });
    expect(prompter.pending()).toBeUndefined();
    expect(changes.length).toBeGreaterThanOrEqual(4);
  });

  it('never shows a secret back, and Stop rejects the waiting question as an interruption', async () => {
    const controller = new AbortController();
    const prompter = createWebPrompter({ signal: controller.signal, onChange: () => {} });
    const typed = prompter.input({
      key: 'token',
      message: 'Token',
      secret: true,
      default: 'hunter2',
      validate: (v) => (v.length < 4 ? 'too short' : undefined),
    });
    const question = await next(prompter.pending);
    expect(question.default).toBeUndefined();
    prompter.submit(question.id, 'abc');
    expect(prompter.pending()?.refused).toBeUndefined();
    expect(prompter.submit(question.id, 'abcd')).toEqual({ ok: true });
    expect(await typed).toBe('abcd');

    const waiting = prompter.confirm({ key: 'confirm:key-vault', message: 'Purge it?', default: false });
    expect((await next(prompter.pending)).default).toBe('no');
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(PromptInterruptedError);
    expect(prompter.pending()).toBeUndefined();
  });
});
