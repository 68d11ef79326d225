import { describe, expect, it } from 'vitest';
import { answerKeys } from '../../kernel/answer-keys.js';
import { defaultFor, questions } from '../../prompts/questions.js';
import { validateAnswer, parseAnswer } from '../../prompts/answer-sources.js';

describe('questions', () => {
  it('has exactly one question per answer key', () => {
    expect(questions.map((q) => q.key).sort()).toEqual([...answerKeys].sort());
  });

  it.each(questions.map((q) => [q.key, q] as const))('%s: its example and default pass its own validator', (_key, question) => {
    expect(parseAnswer(question, question.example)).not.toHaveProperty('error');
    const value = defaultFor(question, { repo: 'net-monitor', certSubject: 'CN=wabbit-networks.io,O=N,ST=WA,C=US', acrName: 'acrdemo01' });
    if (value !== undefined) expect(validateAnswer(question, value)).toBeUndefined();
    expect(question.help.length).toBeGreaterThan(20);
  });

  it('derives defaults from other answers (and the blog values)', () => {
    const byKey = (key: string) => questions.find((q) => q.key === key)!;
    expect(defaultFor(byKey('unsignedRepo'), { repo: 'net-monitor' })).toBe('net-watcher');
    expect(defaultFor(byKey('unsignedRepo'), { repo: 'shop/api' })).toBe('shop/api-unsigned');
    expect(defaultFor(byKey('certName'), { certSubject: 'CN=wabbit-networks.io,O=Notation,ST=WA,C=US' })).toBe('wabbit-networks-io');
    expect(defaultFor(byKey('keyVaultName'), { acrName: 'AcrRatifyDemo01' })).toBe('kvacrratifydemo01');
    expect(defaultFor(byKey('keyVaultName'), {})).toBeUndefined();
  });

  it('declares dependencies before the keys whose defaults read them', () => {
    const index = (key: string) => questions.findIndex((q) => q.key === key);
    expect(index('repo')).toBeLessThan(index('unsignedRepo'));
    expect(index('certSubject')).toBeLessThan(index('certName'));
    expect(index('acrName')).toBeLessThan(index('keyVaultName'));
  });
});
