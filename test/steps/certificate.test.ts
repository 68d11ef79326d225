import { PLAN_READERS } from '../../runner/reads.js';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificate, certSha256 } from '../../steps/certificate.js';
import type { Exec } from '../../runner/exec-process.js';
import { Redactor } from '../../runner/redact.js';
import { createStepContext, type ContextDeps } from '../../runner/step-context.js';
import { fakeClock, tempDir } from '../helpers/engine-harness.js';
import { azArgv, fakeContext } from '../helpers/step-context.js';
import { answers, CER, KID, outputs } from './fixtures.js';

const SHA = createHash('sha256').update(Buffer.from('fake certificate DER bytes')).digest('hex');
const shown = (subject = answers.certSubject) =>
  JSON.stringify({
    kid: KID,
    cer: CER,
    attributes: { enabled: true },
    policy: { x509CertificateProperties: { subject } },
    x509ThumbprintHex: 'ABC',
  });
const notFound = { exitCode: 3, stderr: '(CertificateNotFound) A certificate with (name/id) ratify was not found in this key vault.' };

describe('certificate', () => {
  it('certSha256 is the SHA-256 of the DER (not the SHA-1 thumbprint)', () => {
    expect(certSha256(CER)).toBe(SHA);
  });

  it('creates from the template with the subject, waits until it is issued, takes kid and the DER from that read', async () => {
    const pending = {
      stdout: JSON.stringify({ kid: KID, cer: null, policy: { x509CertificateProperties: { subject: answers.certSubject } } }),
    };
    const f = fakeContext({
      stepId: 'certificate',
      answers,
      outputs,
      script: [{ prefix: ['az', 'keyvault', 'certificate', 'show'], has: ['json'], result: [notFound, pending, { stdout: shown() }] }],
    });
    const out = await certificate.run(f.ctx);
    expect(out).toEqual({ keyId: KID, certVersion: 'f60f2a4f8ae442cfb41ca2090bd4b769', certSha256: SHA });
    const cert = ['-n', 'ratify', '--vault-name', 'ratify-demo-kv'];
    expect(f.argvs()).toEqual([
      azArgv('keyvault', 'certificate', 'show', ...cert, '-o', 'json'),
      azArgv(
        'keyvault',
        'certificate',
        'create',
        ...cert,
        '-p',
        '@/state/certificate-policy.json',
        '--tags',
        'ratify-runbook-run=run1',
        '-o',
        'none',
      ),
      azArgv('keyvault', 'certificate', 'show', ...cert, '-o', 'json'),
      azArgv('keyvault', 'certificate', 'show', ...cert, '-o', 'json'),
    ]);
    const policy = JSON.parse(f.files.get('certificate-policy.json') ?? '{}');
    expect(policy.x509CertificateProperties.subject).toBe(answers.certSubject);
    expect(policy.secretProperties.contentType).toBe('application/x-pem-file');
    expect(f.calls[1]?.options.retry?.maxMs).toBe(600_000);
    expect(f.created[0]).toMatchObject({ kind: 'certificate', details: { name: 'ratify', vaultName: 'ratify-demo-kv' } });
  });

  it('never creates a second version: an existing certificate is reused', async () => {
    const f = fakeContext({
      stepId: 'certificate',
      answers,
      outputs,
      script: [{ prefix: ['az', 'keyvault', 'certificate', 'show'], result: { stdout: shown() } }],
    });
    expect(await certificate.check(f.ctx)).toEqual({ keyId: KID, certVersion: 'f60f2a4f8ae442cfb41ca2090bd4b769', certSha256: SHA });
    await certificate.run(f.ctx);
    expect(f.mutating()).toEqual([]);
  });

  it('check: not done when missing; a different subject names the answer', async () => {
    const missing = fakeContext({ stepId: 'certificate', answers, outputs, script: [{ prefix: ['az'], result: notFound }] });
    expect(await certificate.check(missing.ctx)).toBeUndefined();
    const other = fakeContext({
      stepId: 'certificate',
      answers,
      outputs,
      script: [{ prefix: ['az'], result: { stdout: shown('CN=other,O=x,ST=y,C=US') } }],
    });
    await expect(certificate.check(other.ctx)).rejects.toThrow(/Set certSubject/);
  });

  it('retries 403s (RBAC propagation) on show and create through the real command runner; a soft-deleted name is not retried', async () => {
    const forbidden = {
      exitCode: 1,
      stdout: '',
      stderr: 'ERROR: (Forbidden) Caller is not authorized to perform action on resource.\nCode: Forbidden\nInner error: ForbiddenByRbac',
    };
    const script = (createFailure: { exitCode: number; stdout: string; stderr: string }) => {
      const turns = new Map<string, number>();
      const calls: string[] = [];
      const exec: Exec = async ({ argv }) => {
        const line = argv.join(' ');
        calls.push(line);
        const query = line.includes('--query cer') ? 'cer' : line.includes('--query kid') ? 'kid' : 'show';
        const kind = line.includes('certificate create') ? 'create' : query;
        const turn = (turns.get(kind) ?? 0) + 1;
        turns.set(kind, turn);
        // 403 while RBAC propagates, then missing; once created, issued (kid and the DER in one read).
        if (kind === 'show') {
          if (turn === 1) return forbidden;
          return turn === 2 ? { ...notFound, stdout: '' } : { exitCode: 0, stdout: JSON.stringify({ kid: KID, cer: CER }), stderr: '' };
        }
        if (kind === 'create') return turn === 1 ? createFailure : { exitCode: 0, stdout: '', stderr: '' };
        return { exitCode: 0, stdout: `${kind === 'cer' ? CER : KID}\n`, stderr: '' };
      };
      return { exec, calls };
    };
    const contextFor = async (exec: Exec) => {
      const clock = fakeClock();
      const stateDir = await tempDir();
      await mkdir(join(stateDir, 'logs'));
      const deps: ContextDeps = {
        mode: 'run',
        stateDir,
        runId: 'run1',
        answers,
        profile: { toolPath: [], toolEnv: {} },
        ...PLAN_READERS,
        clock,
        baseEnv: {},
        redactor: new Redactor(),
        exec,
        outputsOf: (id) => outputs[id],
        confirm: async (_q, a) => a,
      };
      const none = async () => {};
      const signal = new AbortController().signal;
      const hooks = { attempt: 1, signal, onCommand: () => {}, onLog: () => {}, onCreated: none, onWillCreate: none, onFile: () => {} };
      return { ctx: createStepContext(certificate, deps, hooks), clock };
    };

    const retried = script(forbidden);
    const { ctx, clock } = await contextFor(retried.exec);
    const started = clock.now().getTime();
    expect(await certificate.run(ctx as never)).toEqual({ keyId: KID, certVersion: KID.split('/').pop(), certSha256: certSha256(CER) });
    expect(retried.calls.filter((c) => c.includes('certificate show') && c.includes('-o json'))).toHaveLength(3);
    expect(retried.calls.filter((c) => c.includes('certificate create'))).toHaveLength(2);
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(10_000); // two back-offs of >= 5 s

    const softDeleted =
      'ERROR: (Conflict) Certificate ratify is currently in a deleted but recoverable state, ' + 'and its name cannot be reused';
    const soft = script({ exitCode: 1, stdout: '', stderr: softDeleted });
    const second = await contextFor(soft.exec);
    await expect(certificate.run(second.ctx as never)).rejects.toThrow(/deleted but recoverable/);
    expect(soft.calls.filter((c) => c.includes('certificate create'))).toHaveLength(1);
  });

  it('knownFailures: soft-deleted certificate', () => {
    expect(
      certificate.knownFailures?.some((k) =>
        k.match.test('(Conflict) Certificate ratify is currently in a deleted but recoverable state, and its name cannot be reused'),
      ),
    ).toBe(true);
  });

  it('teardown deletes and purges the recorded certificate', async () => {
    const f = fakeContext({
      stepId: 'certificate',
      answers: { ...answers, certName: 'changed' },
      outputs,
      createdBefore: [
        {
          kind: 'certificate',
          id: 'https://ratify-demo-kv.vault.azure.net/certificates/ratify',
          details: { subscription: '00000000-1111-2222-3333-444444444444', name: 'ratify', vaultName: 'ratify-demo-kv' },
        },
      ],
    });
    await certificate.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([
      azArgv('keyvault', 'certificate', 'delete', '-n', 'ratify', '--vault-name', 'ratify-demo-kv'),
      azArgv('keyvault', 'certificate', 'purge', '-n', 'ratify', '--vault-name', 'ratify-demo-kv'),
    ]);
  });
});
