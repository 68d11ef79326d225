import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AnswerKey } from '../../kernel/answer-keys.js';
import { AnswersError } from '../../prompts/answer-report.js';
import { resolveAnswers } from '../../prompts/answer-sources.js';
import type { AnswerLayers } from '../../prompts/answer-sources.js';
import { askAnswers, maskedValue } from '../../prompts/ask-answers.js';
import { answersFilePath, saveAnswers } from '../../prompts/answers-file.js';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { collectAnswers, isInteractive } from '../../prompts/collect-answers.js';
import { questions } from '../../prompts/questions.js';
import type { QuestionSet } from '../../prompts/questions.js';
import { ExitCode, UsageError } from '../../kernel/errors.js';
import { ENTER, FakePrompter } from './fake-prompter.js';

const needed: AnswerKey[] = [
  'resourceGroup',
  'aksName',
  'acrName',
  'keyVaultName',
  'tag',
  'policyEffect',
  'cleanupImageIntegrity',
  'ratifyChartVersion',
];

function resolve(partial: Partial<AnswerLayers>, keys: readonly AnswerKey[] = needed, set: QuestionSet = questions) {
  return resolveAnswers({ needed: keys, layers: { env: {}, sets: [], ...partial }, questions: set });
}

describe('the FakePrompter', () => {
  it('fails on any unexpected question', async () => {
    const fake = new FakePrompter({ aksName: 'aks1' });
    await expect(fake.input({ key: 'acrName', message: 'ACR?' })).rejects.toThrow(/unexpected question "acrName"/);
  });
});

describe('confirm table, then only missing answers', () => {
  it('accept: shows supplied answers as one table, then asks only what is missing', async () => {
    const file = parseAnswersYaml('resourceGroup: rg-demo\ntag: v2\n', 'answers.yaml');
    const resolved = resolve({ file, env: { RATIFY_RUNBOOK_AKS_NAME: 'aks-demo' } });
    const fake = new FakePrompter({ confirmAnswers: 'accept', acrName: 'acrdemo01', keyVaultName: ENTER });

    const result = await askAnswers({ resolved, prompter: fake });

    expect(fake.asked.map((q) => q.key)).toEqual(['confirmAnswers', 'acrName', 'keyVaultName']);
    // keyVaultName's default is derived from the acrName typed a moment ago.
    expect(fake.asked[2]).toMatchObject({ kind: 'input', default: 'kvacrdemo01' });
    expect(fake.tables[0]?.rows).toEqual([
      { key: 'resourceGroup', value: 'rg-demo', source: 'answers.yaml:1' },
      { key: 'aksName', value: 'aks-demo', source: 'RATIFY_RUNBOOK_AKS_NAME' },
      { key: 'tag', value: 'v2', source: 'answers.yaml:2' },
      { key: 'policyEffect', value: 'Deny', source: 'default' },
      { key: 'ratifyChartVersion', value: '1.15.0', source: 'default' },
      { key: 'cleanupImageIntegrity', value: 'true', source: 'default' },
    ]);
    expect(result.values).toMatchObject({
      resourceGroup: 'rg-demo',
      aksName: 'aks-demo',
      acrName: 'acrdemo01',
      keyVaultName: 'kvacrdemo01',
      tag: 'v2',
    });
    expect(result.provenance.acrName).toEqual({ source: 'prompt' });
    expect(result.provenance.keyVaultName).toEqual({ source: 'default' }); // Enter on a default keeps it a default
    expect(result.provenance.tag?.source).toBe('file');
    expect(result.missing).toEqual([]);
    expect(fake.unused()).toEqual([]);
  });

  it('edit: walks every needed question pre-filled with its current value', async () => {
    const file = parseAnswersYaml('resourceGroup: rg-demo\naksName: aks-demo\nacrName: acrdemo01\nkeyVaultName: kv-demo\n', 'answers.yaml');
    const fake = new FakePrompter({
      confirmAnswers: 'edit',
      resourceGroup: ENTER,
      aksName: ENTER,
      acrName: ENTER,
      keyVaultName: ['kv--bad', 'kv-demo2'], // the first is rejected by the same validator as the file path
      tag: ENTER,
      policyEffect: 'Audit',
      cleanupImageIntegrity: false,
    });

    const result = await askAnswers({ resolved: resolve({ file }), prompter: fake });

    // ratifyChartVersion has one choice: nothing to ask.
    expect(fake.asked.map((q) => [q.key, q.default])).toEqual([
      ['confirmAnswers', undefined],
      ['resourceGroup', 'rg-demo'],
      ['aksName', 'aks-demo'],
      ['acrName', 'acrdemo01'],
      ['keyVaultName', 'kv-demo'],
      ['tag', 'v1'],
      ['policyEffect', 'Deny'],
      ['cleanupImageIntegrity', true],
    ]);
    expect(fake.rejections).toEqual([{ key: 'keyVaultName', value: 'kv--bad', message: expect.stringMatching(/"--"/) }]);
    expect(result.values).toMatchObject({
      keyVaultName: 'kv-demo2',
      policyEffect: 'Audit',
      cleanupImageIntegrity: false,
      ratifyChartVersion: '1.15.0',
    });
    expect(result.provenance.resourceGroup?.source).toBe('file');
    expect(result.provenance.keyVaultName).toEqual({ source: 'prompt' });
    expect(result.provenance.policyEffect).toEqual({ source: 'prompt' });
    expect(fake.unused()).toEqual([]);
  });

  it('an invalid value from a file is flagged in the table and asked again, pre-filled with it', async () => {
    const file = parseAnswersYaml('resourceGroup: rg-demo\naksName: aks-demo\nacrName: acr-demo\nkeyVaultName: kv-demo\n', 'a.yaml');
    const fake = new FakePrompter({ confirmAnswers: 'accept', acrName: 'acrdemo01' });
    const result = await askAnswers({ resolved: resolve({ file }), prompter: fake });
    expect(fake.tables[0]?.rows[2]).toEqual({
      key: 'acrName',
      value: 'acr-demo',
      source: 'a.yaml:3',
      problem: expect.stringMatching(/only letters and digits.*asked again/),
    });
    expect(fake.asked[1]).toMatchObject({ key: 'acrName', default: 'acr-demo' });
    expect(result.values.acrName).toBe('acrdemo01');
  });

  it('runs cross-answer rules in the prompt too (unsignedRepo must differ from repo)', async () => {
    const fake = new FakePrompter({ confirmAnswers: 'accept', unsignedRepo: ['net-monitor', 'net-watcher2'] });
    const resolved = resolve({ sets: ['unsignedRepo=net-monitor'] }, ['repo', 'unsignedRepo']);
    const result = await askAnswers({ resolved, prompter: fake });
    expect(fake.rejections.map((r) => r.message)).toEqual([expect.stringMatching(/differ from repo/)]);
    expect(result.values.unsignedRepo).toBe('net-watcher2');
  });

  it('optional keys are listed as resolved at run time, and an empty edit leaves them so', async () => {
    const fake = new FakePrompter({ confirmAnswers: 'edit', subscriptionId: ENTER, location: 'westeurope' });
    const result = await askAnswers({ resolved: resolve({}, ['subscriptionId', 'location']), prompter: fake });
    expect(fake.tables[0]?.rows).toEqual([
      { key: 'subscriptionId', value: '(at run time)', source: 'the subscription `az account show` reports' },
      { key: 'location', value: '(at run time)', source: "the resource group's location" },
    ]);
    expect(result.values.subscriptionId).toBeUndefined();
    expect(result.values.location).toBe('westeurope');
  });

  it('a malformed source is a usage error even on a TTY, before any question', async () => {
    const fake = new FakePrompter({});
    await expect(askAnswers({ resolved: resolve({ sets: ['nope=1'] }), prompter: fake })).rejects.toThrow(UsageError);
    expect(fake.asked).toEqual([]);
  });
});

describe('secrets', () => {
  const secretSet: QuestionSet = questions.map((q) => (q.key === 'aksName' ? { ...q, secret: true } : q));

  it('are masked in the table, typed without echo, never pre-filled, and Enter keeps them', async () => {
    const resolved = resolve({ env: { RATIFY_RUNBOOK_AKS_NAME: 'hunter2' } }, ['aksName'], secretSet);
    const fake = new FakePrompter({ confirmAnswers: 'edit', aksName: ENTER });
    const result = await askAnswers({ resolved, prompter: fake, questions: secretSet });
    expect(fake.tables[0]?.rows).toEqual([{ key: 'aksName', value: maskedValue, source: 'RATIFY_RUNBOOK_AKS_NAME' }]);
    expect(fake.asked[1]).toEqual({ kind: 'input', key: 'aksName', default: undefined, secret: true });
    expect(result.values.aksName).toBe('hunter2');
  });

  it('are never saved, even after being typed at the prompt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratify-secret-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const fake = new FakePrompter({ confirmAnswers: 'accept', aksName: 'hunter2' });
    const { resolved } = await collectAnswers({
      needed: ['aksName', 'tag'],
      stateDir: dir,
      env: {},
      interactive: true,
      prompter: fake,
      questions: secretSet,
    });
    await saveAnswers({ stateDir: dir, values: resolved.values, provenance: resolved.provenance, questions: secretSet });
    const text = await readFile(answersFilePath(dir), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('tag: v1');
  });
});

describe('collectAnswers', () => {
  async function stateDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ratify-collect-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('non-interactive: never prompts, reports everything (exit 3 when only missing)', async () => {
    const fake = new FakePrompter({});
    const error = await collectAnswers({
      needed: ['aksName', 'acrName'],
      stateDir: await stateDir(),
      env: {},
      interactive: false,
      prompter: fake,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswersError);
    expect((error as AnswersError).exitCode).toBe(ExitCode.missingAnswers);
    expect(fake.asked).toEqual([]);
  });

  it('resumes with the saved answers and lets --answers, env and --set override them', async () => {
    const dir = await stateDir();
    await saveAnswers({ stateDir: dir, values: { aksName: 'aks-saved', acrName: 'acrsaved01', tag: 'v1' } });
    const answersFile = join(dir, 'mine.yaml');
    await saveAnswers({ stateDir: dir, values: { aksName: 'aks-saved', acrName: 'acrsaved01', tag: 'v1' } });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(answersFile, 'acrName: acrfile01\n');
    const { answers, resolved } = await collectAnswers({
      needed: ['aksName', 'acrName', 'tag'],
      stateDir: dir,
      answersFile,
      env: { RATIFY_RUNBOOK_TAG: 'v2' },
      sets: ['aksName=aks-set'],
      interactive: false,
    });
    expect(answers).toMatchObject({ aksName: 'aks-set', acrName: 'acrfile01', tag: 'v2' });
    expect([resolved.provenance.aksName?.source, resolved.provenance.acrName?.source, resolved.provenance.tag?.source]).toEqual([
      'set',
      'file',
      'env',
    ]);
  });

  it('a local build context must be a directory holding a Dockerfile; a relative one is read from cwd and saved absolute', async () => {
    const dir = await stateDir();
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app', 'Dockerfile'), 'FROM scratch\n');
    await mkdir(join(dir, 'empty'));
    const collect = (value: string) =>
      collectAnswers({
        needed: ['imageSource'],
        stateDir: join(dir, 'state'),
        cwd: dir,
        env: {},
        sets: [`imageSource=${value}`],
        interactive: false,
      });
    expect((await collect('app')).answers.imageSource).toBe(join(dir, 'app'));
    const git = 'https://github.com/wabbit-networks/net-monitor.git#main';
    expect((await collect(git)).answers.imageSource).toBe(git);
    const refused = [
      ['missing', /no such directory/],
      ['/etc/passwd', /is a file, not a directory/],
      ['empty', /without a Dockerfile/],
    ] as const;
    for (const [value, why] of refused) {
      const error = (await collect(value).catch((e: unknown) => e)) as AnswersError;
      expect(error.exitCode, value).toBe(ExitCode.usage);
      expect(error.problems[0]).toMatchObject({ key: 'imageSource', kind: 'invalid', message: expect.stringMatching(why) });
    }
  });

  it('needed as a function: decided from what is known, asked again after the prompts, which may bring in more', async () => {
    const seen: Partial<Record<AnswerKey, unknown>>[] = [];
    const needed = (known: Partial<Record<AnswerKey, unknown>>): AnswerKey[] => {
      seen.push(known);
      return known.createBaseResources === true ? ['createBaseResources', 'aksName'] : ['createBaseResources'];
    };
    // Nothing given: createBaseResources defaults to false, so only it is needed until the person says yes.
    const fake = new FakePrompter({ confirmAnswers: 'edit', createBaseResources: true, aksName: 'aks-new' });
    const { answers, resolved } = await collectAnswers({ needed, stateDir: await stateDir(), env: {}, interactive: true, prompter: fake });
    expect(fake.asked.map((q) => q.key)).toEqual(['confirmAnswers', 'createBaseResources', 'aksName']);
    expect(answers).toMatchObject({ createBaseResources: true, aksName: 'aks-new' });
    expect(resolved.provenance.createBaseResources?.source).toBe('prompt');
    expect(fake.unused()).toEqual([]);
    expect(seen[0]?.createBaseResources).toBe(false);
  });

  it('needed as a function sees an invalid explicit value as unknown, not as its default', async () => {
    let known: Partial<Record<AnswerKey, unknown>> | undefined;
    const error = await collectAnswers({
      needed: (k) => ((known ??= k), k.tag === undefined ? ['tag'] : []),
      stateDir: await stateDir(),
      env: {},
      sets: ['tag=not a tag!'],
      interactive: false,
    }).catch((e: unknown) => e);
    expect(known?.tag).toBeUndefined();
    expect((error as AnswersError).exitCode).toBe(ExitCode.usage);
    expect((error as AnswersError).message).toMatch(/1 answer is invalid/);
  });

  it('a missing --answers file is a usage error naming it', async () => {
    await expect(
      collectAnswers({ needed: ['tag'], stateDir: await stateDir(), answersFile: 'nope.yaml', env: {}, interactive: false }),
    ).rejects.toThrow(/nope\.yaml: answers file not found/);
  });
});

describe('isInteractive', () => {
  it.each([
    [{ stdinIsTTY: true, env: {} }, true],
    [{ stdinIsTTY: false, env: {} }, false],
    [{ stdinIsTTY: undefined, env: {} }, false],
    [{ stdinIsTTY: true, env: { CI: 'true' } }, false],
    [{ stdinIsTTY: true, env: { CI: '1' } }, false],
    [{ stdinIsTTY: true, env: { CI: 'false' } }, true],
    [{ stdinIsTTY: true, env: {}, nonInteractive: true }, false],
    [{ stdinIsTTY: true, env: {}, yes: true }, false],
  ])('%j -> %s', (input, expected) => {
    expect(isInteractive(input)).toBe(expected);
  });
});
