import { describe, expect, it } from 'vitest';
import { notationSetup } from '../../steps/notation-setup.js';
import { fakeContext, type ScriptEntry } from '../helpers/step-context.js';
import { answers, outputs } from './fixtures.js';

const pluginList = (version: string) =>
  `NAME       DESCRIPTION   VERSION   CAPABILITIES   ERROR\nazure-kv   Sign   ${version}   [SIGNATURE_GENERATOR.RAW]   <nil>\n`;
const script = (notation: string, plugin: string): ScriptEntry[] => [
  { prefix: ['notation', 'version'], result: { stdout: `Notation - a tool to sign and verify artifacts.\n\nVersion:     ${notation}\n` } },
  { prefix: ['notation', 'plugin', 'ls'], result: { stdout: pluginList(plugin) } },
];
const withPreflight = (seen: Record<string, string>) => ({ ...outputs, preflight: { ...outputs.preflight, ...seen } });

describe('notation-setup', () => {
  it("takes preflight's current versions without running anything", async () => {
    const f = fakeContext({ stepId: 'notation-setup', answers, outputs, script: script('1.3.2', '1.2.1') });
    expect(await notationSetup.check(f.ctx)).toEqual({ notationVersion: '1.3.2', pluginVersion: '1.2.1' });
    expect(f.argvs()).toEqual([]);
    expect(f.logs).toContain('preflight found notation 1.3.2 and the azure-kv plugin 1.2.1');
  });

  it('reads them again when preflight found them too old, or recorded none, and the run names the fix', async () => {
    const old = fakeContext({
      stepId: 'notation-setup',
      answers,
      outputs: withPreflight({ notationVersion: '1.1.0' }),
      script: script('1.1.0', '1.2.1'),
    });
    expect(await notationSetup.check(old.ctx)).toBeUndefined();
    expect(old.argvs()).toEqual([
      ['notation', 'version'],
      ['notation', 'plugin', 'ls'],
    ]);
    await expect(notationSetup.run(old.ctx)).rejects.toThrow(/Notation 1\.3\.2 is needed \(found: 1\.1\.0\)/);

    // A preflight ledger from before it recorded them: the step reads for itself.
    const { notationVersion: _n, pluginVersion: _p, ...before } = outputs.preflight!;
    const unrecorded = fakeContext({
      stepId: 'notation-setup',
      answers,
      outputs: { ...outputs, preflight: before },
      script: script('1.3.2', '1.2.1'),
    });
    expect(await notationSetup.check(unrecorded.ctx)).toEqual({ notationVersion: '1.3.2', pluginVersion: '1.2.1' });
    expect(unrecorded.argvs()).toHaveLength(2);
  });
});
