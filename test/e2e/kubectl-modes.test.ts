import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCalls } from '../helpers/call-log.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';

const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

/**
 * The whole flow with the sandbox's kubectl and with the machine's real one
 * (`--sandbox-tools kubectl=real`), in both Key Vault modes: verify reports the same outcome.
 * The real kubectl must be installed (it fails, never skips, without it).
 */
async function flow(kubectl: 'fake' | 'real', keyVaultAuth: 'rbac' | 'access-policy') {
  const stateDir = await tempDir();
  const args = [
    'run',
    '--sandbox',
    '--non-interactive',
    '--answers',
    demoAnswers,
    '--state-dir',
    stateDir,
    '--set',
    `keyVaultAuth=${keyVaultAuth}`,
    '--json',
  ];
  const result = await runCli(kubectl === 'real' ? [...args, '--sandbox-tools', 'kubectl=real'] : args);
  expect(result.code, `${kubectl}/${keyVaultAuth}: ${result.stderr}`).toBe(0);
  const status = JSON.parse(result.stdout) as { steps: { id: string; status: string; outputs: Record<string, string> }[] };
  const verify = status.steps.find((s) => s.id === 'verify')!;
  const calls = await readCalls(stateDir);
  const shim = await readFile(join(stateDir, 'sandbox', 'bin-real', 'kubectl'), 'utf8').catch(() => '');
  return { verify, calls, shim };
}

describe('the flow with the fake and the real kubectl, in both vault modes (built binary)', () => {
  it('passes verify four times with the same outcome; the real runs used the real kubectl', async () => {
    const outcomes: Record<string, string> = {};
    for (const kubectl of ['fake', 'real'] as const) {
      for (const auth of ['rbac', 'access-policy'] as const) {
        const { verify, calls, shim } = await flow(kubectl, auth);
        expect(verify.status).toBe('done');
        expect(verify.outputs).toMatchObject({ signedAdmitted: 'true', unsignedDenied: 'true' });
        expect(verify.outputs.denialMessage).toMatch(
          /denied the request: \[azurepolicy-ratifyverification-[0-9a-f]{20}\] Subject failed verification: /,
        );
        const runs = calls.filter((c) => c.argv[0] === 'kubectl' && c.argv[1] === 'run');
        expect(runs.map((c) => c.exitCode).sort(), `${kubectl}/${auth}`).toEqual([0, 1]);
        if (kubectl === 'real') expect(shim).toMatch(/^#!\/bin\/bash\n# ratify-runbook sandbox: the real kubectl \(\/.+kubectl\)/);
        else expect(shim).toBe('');
        outcomes[`${kubectl}/${auth}`] = JSON.stringify({
          ...verify.outputs,
          denialMessage: verify.outputs.denialMessage!.replace(/[0-9a-f]{20}/, 'HASH').replace(/@sha256:[0-9a-f]+/, '@DIGEST'),
        });
      }
    }
    expect(new Set(Object.values(outcomes)).size, JSON.stringify(outcomes, null, 2)).toBe(1);
  }, 600_000);
});
