import { describe, expect, it } from 'vitest';
import type { AnswerKey } from '../../kernel/answer-keys.js';
import { resolveAnswers, parseSet } from '../../prompts/answer-sources.js';
import type { AnswerLayers } from '../../prompts/answer-sources.js';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { UsageError } from '../../kernel/errors.js';

const needed: AnswerKey[] = ['tag', 'policyEffect', 'cleanupImageIntegrity'];

function layers(partial: Partial<AnswerLayers>): AnswerLayers {
  return { env: {}, sets: [], ...partial };
}

describe('precedence: default < saved < file < env < set', () => {
  const saved = parseAnswersYaml('tag: saved\npolicyEffect: Audit\n', '.ratify-runbook/answers.yaml');
  const file = parseAnswersYaml('tag: file\n', 'answers.yaml');
  const env = { RATIFY_RUNBOOK_TAG: 'env' };
  const sets = ['tag=set'];

  it.each([
    ['default', {}, 'v1'],
    ['saved', { saved }, 'saved'],
    ['file', { saved, file }, 'file'],
    ['env', { saved, file, env }, 'env'],
    ['set', { saved, file, env, sets }, 'set'],
  ] as const)('%s wins over everything below it', (source, partial, value) => {
    const resolved = resolveAnswers({ needed, layers: layers(partial) });
    expect(resolved.values.tag).toBe(value);
    expect(resolved.provenance.tag?.source).toBe(source);
  });

  it("keeps each key's own provenance, with file:line and env var names", () => {
    const resolved = resolveAnswers({ needed, layers: layers({ saved, file, env }) });
    expect(resolved.provenance.tag).toEqual({ source: 'env', where: 'RATIFY_RUNBOOK_TAG' });
    expect(resolved.provenance.policyEffect).toEqual({ source: 'saved', where: '.ratify-runbook/answers.yaml:2' });
    expect(resolved.provenance.cleanupImageIntegrity).toEqual({ source: 'default' });
  });

  it('a later --set of the same key wins', () => {
    expect(resolveAnswers({ needed, layers: layers({ sets: ['tag=a', 'tag=b'] }) }).values.tag).toBe('b');
  });
});

describe('parsing values by kind', () => {
  it.each([
    ['yes', true],
    ['0', false],
    ['True', true],
    ['no', false],
  ] as const)('boolean %j from env -> %j', (text, value) => {
    const resolved = resolveAnswers({ needed, layers: layers({ env: { RATIFY_RUNBOOK_CLEANUP_IMAGE_INTEGRITY: text } }) });
    expect(resolved.values.cleanupImageIntegrity).toBe(value);
  });

  it("keeps YAML scalars as written (failsafe schema) and normalises a choice's case", () => {
    const file = parseAnswersYaml('tag: 1.10\npolicyEffect: audit\ncleanupImageIntegrity: no\n', 'a.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ file }) });
    expect(resolved.values).toMatchObject({ tag: '1.10', policyEffect: 'Audit', cleanupImageIntegrity: false });
  });

  it('treats empty env vars and empty YAML values as not set', () => {
    const file = parseAnswersYaml('tag:\npolicyEffect: ~\n', 'a.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ file, env: { RATIFY_RUNBOOK_TAG: '' } }) });
    expect(resolved.provenance.tag?.source).toBe('default');
    expect(resolved.provenance.policyEffect?.source).toBe('default');
  });

  it('refuses YAML tags in an answers file (they make the parser decode the text into something else)', () => {
    const doc = parseAnswersYaml('tag: !!binary aGVsbG8=\nrepo: !custom x\n!!str certName: c\n', 'answers.yaml');
    expect(doc.entries.size).toBe(0);
    expect(doc.problems).toEqual([
      'answers.yaml:1: tag carries the YAML tag !!binary; answers are plain text: remove the tag (quote the value if needed).',
      'answers.yaml:2: repo carries the YAML tag !custom; answers are plain text: remove the tag (quote the value if needed).',
      'answers.yaml:3: certName carries the YAML tag !!str; answers are plain text: remove the tag (quote the value if needed).',
    ]);
  });

  it('unknown keys are shown with control characters escaped', () => {
    const file = parseAnswersYaml('"bad\\e[31mkey\\u202e": x\n', 'answers.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ file, sets: ['also\u001bbad=1'] }) });
    const text = resolved.sourceProblems.join('\n');
    expect(text).toContain('"bad\\x1b[31mkey\\u202e"');
    expect(text).toContain('--set also\\x1bbad=...');
    expect(text).not.toMatch(/[\u001b\u202e]/);
  });

  it('accepts DNs with "=" in --set values', () => {
    expect(parseSet('certSubject=CN=x,O=y,ST=WA,C=US')).toEqual({ key: 'certSubject', value: 'CN=x,O=y,ST=WA,C=US' });
  });
});

describe('what is validated and reported', () => {
  it('validates and reports only needed keys', () => {
    const resolved = resolveAnswers({
      needed: ['tag'],
      layers: layers({ sets: ['keyVaultName=kv--x', 'tag=v2'] }),
    });
    expect(resolved.invalid).toEqual([]);
    expect(resolved.missing).toEqual([]);
    expect(resolved.values.keyVaultName).toBeUndefined();
  });

  it('lists missing keys, but never optional ones (resolved at run time)', () => {
    const resolved = resolveAnswers({ needed: ['subscriptionId', 'location', 'resourceGroup', 'aksName'], layers: layers({}) });
    expect(resolved.missing).toEqual(['resourceGroup', 'aksName']);
  });

  it('reports an invalid value with its source and gives it no default', () => {
    const file = parseAnswersYaml('# comment\npolicyEffect: Block\n', 'answers.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ file }) });
    expect(resolved.invalid).toEqual([
      {
        key: 'policyEffect',
        message: expect.stringMatching(/Deny/),
        provenance: { source: 'file', where: 'answers.yaml:2' },
        shown: 'Block',
      },
    ]);
    expect(resolved.values.policyEffect).toBeUndefined();
  });

  it('derives defaults from explicit answers (unsignedRepo from repo, certName from certSubject)', () => {
    const resolved = resolveAnswers({
      needed: ['repo', 'unsignedRepo', 'certName'],
      layers: layers({ sets: ['repo=shop/api', 'certSubject=CN=Contoso Ltd,O=Contoso,ST=WA,C=US'] }),
    });
    expect(resolved.values).toMatchObject({ unsignedRepo: 'shop/api-unsigned', certName: 'Contoso-Ltd' });
    expect(resolved.provenance.unsignedRepo).toEqual({ source: 'default' });
  });

  it('rejects an unsignedRepo equal to repo', () => {
    const resolved = resolveAnswers({ needed: ['repo', 'unsignedRepo'], layers: layers({ sets: ['unsignedRepo=net-monitor'] }) });
    expect(resolved.invalid.map((i) => [i.key, i.message])).toEqual([['unsignedRepo', expect.stringMatching(/differ from repo/)]]);
  });

  it('collects unknown file keys and malformed --set as source problems, with suggestions', () => {
    const file = parseAnswersYaml('keyvaultname: kv1\ntag: v1\nbogus: 1\n', 'answers.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ file, sets: ['tag', 'KEY_VAULT_NAME=x', 'tag='] }) });
    expect(resolved.sourceProblems).toEqual([
      expect.stringMatching(
        /answers\.yaml has unknown answer keys: answers\.yaml:1: "keyvaultname" \(did you mean keyVaultName\?\); answers\.yaml:3: "bogus"\. Valid keys: .*subscriptionId/,
      ),
      expect.stringMatching(/--set tag: expected KEY=VALUE/),
      expect.stringMatching(/"KEY_VAULT_NAME" is not an answer key \(did you mean keyVaultName\?\)/),
      expect.stringMatching(/--set tag=: no value given/),
    ]);
  });

  it('ignores unknown keys in the saved file with a warning (an older version may have saved them)', () => {
    const saved = parseAnswersYaml('oldKey: x\ntag: v9\n', 'state/answers.yaml');
    const resolved = resolveAnswers({ needed, layers: layers({ saved }) });
    expect(resolved.sourceProblems).toEqual([]);
    expect(resolved.warnings).toEqual([expect.stringMatching(/oldKey/)]);
    expect(resolved.values.tag).toBe('v9');
  });

  it('never reads process.env: only the injected environment counts', () => {
    process.env.RATIFY_RUNBOOK_TAG = 'from-process';
    try {
      expect(resolveAnswers({ needed, layers: layers({}) }).values.tag).toBe('v1');
    } finally {
      delete process.env.RATIFY_RUNBOOK_TAG;
    }
  });
});

describe('answers YAML', () => {
  it('reports a syntax error with file:line', () => {
    expect(() => parseAnswersYaml('tag: v1\npolicyEffect: [Deny\n', 'my.yaml')).toThrow(UsageError);
    expect(() => parseAnswersYaml('tag: v1\npolicyEffect: [Deny\n', 'my.yaml')).toThrow(/^my\.yaml:\d+:\d+: my\.yaml is not valid YAML/);
  });

  it('rejects a duplicate key, a non-mapping and nested values', () => {
    expect(() => parseAnswersYaml('tag: a\ntag: b\n', 'd.yaml')).toThrow(/d\.yaml:2:1/);
    expect(() => parseAnswersYaml('- tag\n', 'l.yaml')).toThrow(/must be a YAML mapping/);
    expect(parseAnswersYaml('tag: [a]\n', 'n.yaml').problems).toEqual(['n.yaml:1: tag must be a single value, not a list or a mapping.']);
  });

  it('treats an empty file as no answers', () => {
    expect(parseAnswersYaml('# nothing yet\n', 'e.yaml').entries.size).toBe(0);
  });
});
