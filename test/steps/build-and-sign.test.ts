import { describe, expect, it } from 'vitest';
import { buildAndSign } from '../../steps/build-and-sign.js';
import { azArgv, fakeContext, type ScriptEntry } from '../helpers/step-context.js';
import { answers, DIGEST, outputs } from './fixtures.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiIs.secret-token.sig';
const MINE = 'b13a843be16b1f461f08d61c14f3eab7d87c073570da077217541a7eb31c084d';
const withCert = { ...outputs, certificate: { ...outputs.certificate, certSha256: MINE } };
const REF = `myregistry4ratify.azurecr.io/net-monitor@${DIGEST}`;
const inspect = (...fingerprints: string[]) =>
  JSON.stringify({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    Signatures: fingerprints.map((fp, i) => ({ digest: `sha256:sig${i}`, certificates: [{ SHA256Fingerprint: fp, issuedTo: 'CN=x' }] })),
  });
/** A registry without the repository (OCI NAME_UNKNOWN), and one whose repository lacks the tag. */
const noRepository = { exitCode: 1, stderr: 'ERROR: Error: repository name not known to registry. Correlation ID: 1.' };
const noTag = { exitCode: 1, stderr: 'ERROR: Error: manifest tagged by "v1" is not found. Correlation ID: 1.' };

function script(opts: { exists: boolean; signatures: string[]; repositoryExists?: boolean }): ScriptEntry[] {
  const missing = opts.repositoryExists ? noTag : noRepository;
  return [
    { prefix: ['az', 'acr', 'manifest', 'show-metadata'], result: opts.exists ? { stdout: `${DIGEST}\n` } : missing },
    { prefix: ['az', 'acr', 'build'], result: { stdout: `${DIGEST}\n` } },
    { prefix: ['az', 'acr', 'login'], result: { stdout: `${TOKEN}\n` } },
    { prefix: ['notation', 'inspect'], result: { stdout: inspect(...opts.signatures) } },
  ];
}

describe('build-and-sign', () => {
  it('builds both images with --no-logs and signs by digest; the token only in the environment', async () => {
    const f = fakeContext({ stepId: 'build-and-sign', answers, outputs: withCert, script: script({ exists: false, signatures: [] }) });
    expect(await buildAndSign.run(f.ctx)).toEqual({
      digest: DIGEST,
      signedRef: REF,
      unsignedRef: 'myregistry4ratify.azurecr.io/net-watcher:v1',
    });
    const argvs = f.argvs();
    expect(argvs).toContainEqual(
      azArgv(
        'acr',
        'build',
        '-r',
        'myregistry4ratify',
        '-t',
        'myregistry4ratify.azurecr.io/net-monitor:v1',
        answers.imageSource,
        '--no-logs',
        '--query',
        'outputImages[0].digest',
        '-o',
        'tsv',
      ),
    );
    expect(argvs).toContainEqual(
      azArgv(
        'acr',
        'build',
        '-r',
        'myregistry4ratify',
        '-t',
        'myregistry4ratify.azurecr.io/net-watcher:v1',
        answers.unsignedImageSource,
        '--no-logs',
        '--query',
        'outputImages[0].digest',
        '-o',
        'tsv',
      ),
    );
    expect(argvs).toContainEqual(
      azArgv('acr', 'login', '-n', 'myregistry4ratify', '--expose-token', '--query', 'accessToken', '-o', 'tsv'),
    );
    const signCall = f.calls.find((c) => c.argv[1] === 'sign');
    expect(signCall?.argv).toEqual([
      'notation',
      'sign',
      '--signature-format',
      'cose',
      '--id',
      outputs.certificate?.keyId,
      '--plugin',
      'azure-kv',
      '--plugin-config',
      'self_signed=true',
      REF,
    ]);
    expect(signCall?.options.env).toEqual({ NOTATION_USERNAME: '00000000-0000-0000-0000-000000000000', NOTATION_PASSWORD: TOKEN });
    expect(signCall?.options.secretEnv).toEqual(['NOTATION_PASSWORD']);
    expect(f.calls.find((c) => c.argv[2] === 'login')?.options.secretOutput).toBe(true);
    // The token is never in any argv, file, output or log.
    expect(JSON.stringify(argvs)).not.toContain(TOKEN);
    expect(JSON.stringify([...f.files.values(), f.logs, f.created])).not.toContain(TOKEN);
    expect(f.created.map((c) => c.id)).toEqual(
      expect.arrayContaining(['myregistry4ratify.azurecr.io/net-monitor', 'myregistry4ratify.azurecr.io/net-watcher']),
    );
  });

  it('reuses existing images and skips signing when this certificate already signed the digest', async () => {
    const f = fakeContext({
      stepId: 'build-and-sign',
      answers,
      outputs: withCert,
      script: script({ exists: true, signatures: [MINE.toUpperCase()] }),
    });
    await buildAndSign.run(f.ctx);
    expect(f.mutating()).toEqual([]);
    expect(await buildAndSign.check(f.ctx)).toEqual({
      digest: DIGEST,
      signedRef: REF,
      unsignedRef: 'myregistry4ratify.azurecr.io/net-watcher:v1',
    });
  });

  it('signs when only other certificates signed, and removes their signatures when confirmed', async () => {
    const kept = fakeContext({
      stepId: 'build-and-sign',
      answers,
      outputs: withCert,
      script: script({ exists: true, signatures: ['ffff'] }),
    });
    expect(await buildAndSign.check(kept.ctx)).toBeUndefined();
    await buildAndSign.run(kept.ctx);
    expect(kept.mutating().map((a) => a.slice(0, 2))).toEqual([['notation', 'sign']]);
    expect(kept.logs.join('\n')).toMatch(/other certificates/);

    const removed = fakeContext({
      stepId: 'build-and-sign',
      answers,
      outputs: withCert,
      script: script({ exists: true, signatures: ['ffff'] }),
      confirmations: { Remove: true },
    });
    await buildAndSign.run(removed.ctx);
    expect(removed.mutating()[0]).toEqual(
      azArgv('acr', 'manifest', 'delete', '-r', 'myregistry4ratify', '-n', 'net-monitor@sha256:sig0', '--yes'),
    );
  });

  it('check: not done while the image is missing', async () => {
    const f = fakeContext({ stepId: 'build-and-sign', answers, outputs: withCert, script: script({ exists: false, signatures: [] }) });
    expect(await buildAndSign.check(f.ctx)).toBeUndefined();
  });

  it('knownFailures: ACR Tasks blocked, plugin secrets get', () => {
    const hit = (m: string) => buildAndSign.knownFailures?.some((k) => k.match.test(m));
    expect(hit('(TasksOperationsNotAllowed) ACR Tasks requests for the registry myregistry are not permitted')).toBe(true);
    expect(
      hit('Error: failed to sign with the plugin azure-kv: The plugin does not have secrets get permission. Please grant the permission'),
    ).toBe(true);
  });

  it("in a repository the user already had, only the built image is the run's (teardown never deletes the repository)", async () => {
    const f = fakeContext({
      stepId: 'build-and-sign',
      answers,
      outputs: withCert,
      script: script({ exists: false, signatures: [], repositoryExists: true }),
    });
    await buildAndSign.run(f.ctx);
    expect(f.created.map((c) => `${c.kind} ${c.id}`).sort()).toEqual([
      'acrImage myregistry4ratify.azurecr.io/net-monitor:v1',
      'acrImage myregistry4ratify.azurecr.io/net-watcher:v1',
    ]);
    const teardown = fakeContext({ stepId: 'build-and-sign', answers, outputs, createdBefore: f.created.slice(0, 1) });
    await buildAndSign.teardown?.(teardown.ctx);
    const image = f.created[0]!.id.split('/').at(-1)!;
    expect(teardown.argvs()).toEqual([azArgv('acr', 'repository', 'delete', '-n', 'myregistry4ratify', '--image', image, '--yes')]);
  });

  it('teardown deletes the recorded repositories', async () => {
    const f = fakeContext({
      stepId: 'build-and-sign',
      answers,
      outputs,
      createdBefore: [
        {
          kind: 'acrRepository',
          id: 'myregistry4ratify.azurecr.io/net-monitor',
          details: { subscription: '00000000-1111-2222-3333-444444444444', registry: 'myregistry4ratify', repository: 'net-monitor' },
        },
      ],
    });
    await buildAndSign.teardown?.(f.ctx);
    expect(f.argvs()).toEqual([azArgv('acr', 'repository', 'delete', '-n', 'myregistry4ratify', '--repository', 'net-monitor', '--yes')]);
  });
});
