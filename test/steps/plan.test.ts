import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { steps } from '../../steps/index.js';
import { fakeContext } from '../helpers/step-context.js';
import { answers } from './fixtures.js';

describe('every step in plan mode (a fresh world, placeholders for unknowns)', () => {
  it("the list is the blog's order, with acyclic after edges to earlier steps", () => {
    expect(steps.map((s) => s.id)).toEqual([
      'provision-base',
      'preflight',
      'cleanup-image-integrity',
      'cluster-prereqs',
      'key-vault',
      'signer-access',
      'certificate',
      'notation-setup',
      'build-and-sign',
      'ratify-identity',
      'ratify-install',
      'policy',
      'verify',
    ]);
    steps.forEach((step, i) => {
      for (const dep of step.after) expect(steps.slice(0, i).map((s) => s.id)).toContain(dep);
    });
  });

  for (const step of steps) {
    it(`${step.id}: runs with a recording runner; every az call names --subscription`, async () => {
      const f = fakeContext({ stepId: step.id, mode: 'plan', answers: { ...answers, createBaseResources: true } });
      const out = await step.run(f.ctx);
      expect(Object.keys(out).sort()).toEqual([...step.produces].sort());
      for (const argv of f.argvs().filter((a) => a[0] === 'az' && a[1] !== 'version' && a[1] !== 'ad')) {
        expect(argv, argv.join(' ')).toContain('--subscription');
      }
    });
  }

  it('ratify-install renders the values file with the subject intact and no --set', async () => {
    const step = steps.find((s) => s.id === 'ratify-install');
    const f = fakeContext({ stepId: 'ratify-install', mode: 'plan', answers });
    await step?.run(f.ctx);
    const values = parse(f.files.get('ratify-values.yaml') ?? '');
    expect(values.notation.trustPolicies[0].trustedIdentities).toEqual([`x509.subject: ${answers.certSubject}`]);
    expect(values.notation.trustPolicies[0].registryScopes).toEqual(['myregistry4ratify.azurecr.io/net-monitor']);
    expect(values.azurekeyvault).toMatchObject({ enabled: true, certificates: [{ name: 'ratify' }] });
    expect(values.provider.enableMutation).toBe(false);
    expect(values.logger.level).toBe('debug');
    expect(values.featureFlags.RATIFY_CERT_ROTATION).toBe(true);
    expect(f.argvs()).toContainEqual([
      'helm',
      'upgrade',
      '--install',
      'ratify',
      'ratify/ratify',
      '--namespace',
      'gatekeeper-system',
      '--version',
      '1.15.0',
      '--rollback-on-failure',
      '--wait=watcher',
      '--timeout',
      '10m',
      '-f',
      '/state/ratify-values.yaml',
    ]);
    expect(f.argvs()).toContainEqual(['helm', 'repo', 'add', 'ratify', 'https://notaryproject.github.io/ratify', '--force-update']);
    expect(f.argvs().flat()).not.toContain('--set');
  });

  it('policy writes a Kubernetes-data definition on the notaryproject template URL, scoped to the demo namespace', async () => {
    const step = steps.find((s) => s.id === 'policy');
    const f = fakeContext({ stepId: 'policy', mode: 'plan', answers });
    await step?.run(f.ctx);
    const rules = JSON.parse(f.files.get('policy/rules.json') ?? '{}');
    expect(rules.then.details.templateInfo.url).toBe('https://notaryproject.github.io/ratify/library/default/template.yaml');
    expect(JSON.parse(f.files.get('policy/assignment-params.json') ?? '{}')).toEqual({
      effect: { value: 'Deny' },
      namespaces: { value: ['demo'] },
    });
    expect(f.argvs().find((a) => a[3] === 'create' && a[2] === 'definition')).toContain('Microsoft.Kubernetes.Data');
  });
});
