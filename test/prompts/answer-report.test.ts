import { describe, expect, it } from 'vitest';
import { AnswersError, buildAnswersReport, verifyAnswers } from '../../prompts/answer-report.js';
import { resolveAnswers } from '../../prompts/answer-sources.js';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { questions } from '../../prompts/questions.js';
import type { QuestionSet } from '../../prompts/questions.js';
import { ExitCode, RunbookError } from '../../kernel/errors.js';

function thrown(fn: () => unknown): AnswersError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AnswersError);
    return error as AnswersError;
  }
  throw new Error('expected verifyAnswers to throw');
}

describe('non-interactive report', () => {
  it('missing only -> exit 3, every missing key with file key, env var and --set flag', () => {
    const resolved = resolveAnswers({ needed: ['resourceGroup', 'aksName', 'tag'], layers: { env: {}, sets: [] } });
    const error = thrown(() => verifyAnswers(resolved));
    expect(error).toBeInstanceOf(RunbookError);
    expect(error.exitCode).toBe(ExitCode.missingAnswers);
    expect(error.message).toMatch(/2 answers are missing/);
    expect(error.problems.map((p) => [p.key, p.kind])).toEqual([
      ['resourceGroup', 'missing'],
      ['aksName', 'missing'],
    ]);
    const text = error.hints.join('\n');
    for (const [key, env] of [
      ['resourceGroup', 'RATIFY_RUNBOOK_RESOURCE_GROUP'],
      ['aksName', 'RATIFY_RUNBOOK_AKS_NAME'],
    ]) {
      expect(text).toContain(`"${key}: `);
      expect(text).toContain(`${env}=`);
      expect(text).toContain(`--set ${key}=`);
    }
    expect(text).toContain('--set aksName=aks-ratify-demo');
  });

  it('invalid + missing -> exit 2, and the message lists all of them at once', () => {
    const file = parseAnswersYaml('keyVaultName: kv--x\ndemoNamespace: gatekeeper-system\n', 'answers.yaml');
    const resolved = resolveAnswers({
      needed: ['resourceGroup', 'acrName', 'keyVaultName', 'demoNamespace', 'tag'],
      layers: { file, env: { RATIFY_RUNBOOK_ACR_NAME: 'acr-demo' }, sets: ['tag=-v1'] },
    });
    const error = thrown(() => verifyAnswers(resolved));
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toMatch(/4 answers are invalid, 1 answer is missing/);
    expect(error.problems.map((p) => `${p.kind} ${p.key}`)).toEqual([
      'missing resourceGroup',
      'invalid acrName',
      'invalid keyVaultName',
      'invalid tag',
      'invalid demoNamespace',
    ]);
    const text = error.hints.join('\n');
    expect(text).toContain('invalid keyVaultName: "kv--x" (from answers.yaml:1) must not contain "--"');
    expect(text).toContain('invalid acrName: "acr-demo" (from RATIFY_RUNBOOK_ACR_NAME)');
    expect(text).toContain('invalid tag: "-v1" (from --set tag) must not start with "-"');
    expect(text).toMatch(/invalid demoNamespace: .*must not be gatekeeper-system/);
    for (const problem of error.problems) {
      expect(text).toContain(`${problem.envVar}=`);
      expect(text).toContain(`--set ${problem.key}=`);
      expect(text).toContain(`"${problem.key}: `);
    }
    // Each answer is two lines: the problem, then how to supply it (with an example).
    expect(error.hints[3]).toBe(
      '    supply it with "acrName: acrratifydemo01" in the answers file, RATIFY_RUNBOOK_ACR_NAME=acrratifydemo01, or --set acrName=acrratifydemo01',
    );
  });

  it('source problems alone -> exit 2', () => {
    const resolved = resolveAnswers({ needed: ['tag'], layers: { env: {}, sets: ['nope=1'] } });
    const report = buildAnswersReport(resolved);
    expect(report.exitCode).toBe(ExitCode.usage);
    expect(report.lines).toEqual([expect.stringMatching(/"nope" is not an answer key/)]);
  });

  it('quotes examples the shell would split', () => {
    const resolved = resolveAnswers({ needed: ['certSubject'], layers: { env: {}, sets: ['certSubject=CN=x'] } });
    expect(buildAnswersReport(resolved).lines[1]).toContain(
      `RATIFY_RUNBOOK_CERT_SUBJECT=CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US`,
    );
  });

  it('never shows a secret value back', () => {
    const secretSet: QuestionSet = questions.map((q) => (q.key === 'certSubject' ? { ...q, secret: true } : q));
    const resolved = resolveAnswers({
      needed: ['certSubject'],
      layers: { env: {}, sets: ['certSubject=CN=hunter2'] },
      questions: secretSet,
    });
    const report = buildAnswersReport(resolved, secretSet);
    expect(report.lines.join('\n')).not.toContain('hunter2');
    expect(report.lines[0]).toMatch(/invalid certSubject: the value \(from --set certSubject\)/);
    expect(resolved.warnings).toEqual([expect.stringMatching(/process list/)]);
  });

  it('returns the answers when complete; absent optional keys stay undefined', () => {
    const resolved = resolveAnswers({
      needed: ['subscriptionId', 'aksName', 'cleanupImageIntegrity'],
      layers: { env: { RATIFY_RUNBOOK_AKS_NAME: 'aks1' }, sets: [] },
    });
    expect(verifyAnswers(resolved)).toMatchObject({ aksName: 'aks1', cleanupImageIntegrity: true });
    expect(verifyAnswers(resolved).subscriptionId).toBeUndefined();
  });
});
