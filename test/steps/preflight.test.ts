import { describe, expect, it } from 'vitest';
import { preflight } from '../../steps/preflight.js';
import { fakeContext, SUB, TENANT, type ScriptEntry } from '../helpers/step-context.js';
import { AKS_ID, answers, CALLER } from './fixtures.js';

const pluginList = (version: string) =>
  `NAME       DESCRIPTION   VERSION   CAPABILITIES   ERROR\nazure-kv   Sign   ${version}   [SIGNATURE_GENERATOR.RAW]   <nil>\n`;
const account = JSON.stringify({ id: SUB, tenantId: TENANT, user: { name: 'alice@contoso.com', type: 'user' } });

/** Every tool present and healthy; each test removes or changes what it is about. */
const healthy: ScriptEntry[] = [
  { prefix: ['az', 'version'], result: { stdout: JSON.stringify({ 'azure-cli': '2.67.0', extensions: { 'aks-preview': '13.0.0b7' } }) } },
  { prefix: ['kubectl', 'version'], result: { stdout: JSON.stringify({ clientVersion: { gitVersion: 'v1.32.4' } }) } },
  { prefix: ['helm', 'version'], result: { stdout: 'v3.17.2' } },
  { prefix: ['notation', 'version'], result: { stdout: 'Notation - a tool to sign and verify artifacts.\n\nVersion:     1.3.2\n' } },
  { prefix: ['notation', 'plugin', 'ls'], result: { stdout: pluginList('1.2.1') } },
  { prefix: ['kubelogin', '--version'], result: { stdout: 'kubelogin version\ngit hash: v0.1.6/abc\n' } },
  { prefix: ['az', 'account', 'show'], result: { stdout: account } },
  { prefix: ['az', 'ad', 'signed-in-user', 'show'], result: { stdout: `${CALLER}\n` } },
];
const missing = (tool: string): ScriptEntry => ({ prefix: [tool], result: { exitCode: 127, stderr: `${tool}: command not found` } });
const cluster = (entra: boolean) => ({
  [AKS_ID]: {
    id: AKS_ID,
    properties: {
      currentKubernetesVersion: '1.30.6',
      addonProfiles: { azurepolicy: { enabled: true } },
      ...(entra ? { aadProfile: { managed: true } } : {}),
    },
  },
});

describe('preflight: the tools, data-driven', () => {
  it('lists every missing tool at once, each with how to install it, and reads no account without az', async () => {
    const script = ['az', 'kubectl', 'helm', 'notation'].map(missing);
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(false), script });
    const error = (await preflight.run(f.ctx).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/Preflight found 4 problem\(s\)/);
    for (const tool of ['az', 'kubectl', 'helm', 'notation']) {
      expect(error.message).toMatch(new RegExp(`- ${tool}: not found on PATH\\. Install: \\S`));
    }
    expect(f.argvs().some((argv) => argv[1] === 'account')).toBe(false);
  });

  it('the azure-kv plugin is checked with notation; a broken or old one is a problem with the install command', async () => {
    const old: ScriptEntry = { prefix: ['notation', 'plugin', 'ls'], result: { stdout: pluginList('1.0.0') } };
    const f = fakeContext({ stepId: 'preflight', answers, azure: cluster(false), script: [old, ...healthy] });
    await expect(preflight.run(f.ctx)).rejects.toThrow(/azure-kv plugin 1\.2\.1 is needed \(found: 1\.0\.0\): notation plugin install/);
  });

  it('kubelogin only for a cluster that signs in with Entra ID', async () => {
    const plain = fakeContext({ stepId: 'preflight', answers, azure: cluster(false), script: [missing('kubelogin'), ...healthy] });
    expect(await preflight.run(plain.ctx)).toMatchObject({ subscriptionId: SUB, callerObjectId: CALLER });
    expect(plain.argvs().some((argv) => argv[0] === 'kubelogin')).toBe(false);

    const entra = fakeContext({ stepId: 'preflight', answers, azure: cluster(true), script: [missing('kubelogin'), ...healthy] });
    await expect(preflight.run(entra.ctx)).rejects.toThrow(/kubelogin: not found on PATH\. Install: az aks install-cli/);
    const ready = fakeContext({ stepId: 'preflight', answers, azure: cluster(true), script: healthy });
    expect(await preflight.run(ready.ctx)).toMatchObject({ subscriptionId: SUB });
    expect(ready.logs).toContain('kubelogin 0.1.6/abc');
  });
});
