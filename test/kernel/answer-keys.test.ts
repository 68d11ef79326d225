import { describe, expect, it } from 'vitest';
import { optionalAnswerKeys, pickStepAnswers } from '../../kernel/answer-keys.js';
import { questions } from '../../prompts/questions.js';

describe('step answers', () => {
  it('the optional answers are exactly the questions a person may leave empty', () => {
    expect(
      questions
        .filter((q) => q.optional !== undefined)
        .map((q) => q.key)
        .sort(),
    ).toEqual([...optionalAnswerKeys].sort());
  });

  it('a step gets the answers it declared; an optional one may be absent, a required one may not', () => {
    const picked = pickStepAnswers('key-vault', ['subscriptionId', 'location', 'keyVaultName'], { keyVaultName: 'kv1', tag: 'v1' });
    expect(picked).toEqual({ keyVaultName: 'kv1' });
    expect(() => pickStepAnswers('key-vault', ['location', 'keyVaultName', 'tag'], { tag: 'v1' })).toThrow(
      'Step "key-vault" needs the answer(s) keyVaultName, which were not collected.',
    );
    // false is an answer, not a missing one.
    const no = { cleanupImageIntegrity: false };
    expect(pickStepAnswers('cleanup', ['cleanupImageIntegrity'], no)).toEqual(no);
  });
});
