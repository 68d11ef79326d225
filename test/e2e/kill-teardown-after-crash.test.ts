import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { expectConverged, expectTornDown, killed, run } from '../helpers/kill-chain.js';
import { markedBy, runIdOf, unmarkedLeftovers, worldOf } from '../helpers/world-checks.js';

describe('teardown right after a crash (no resume) removes what the run created', () => {
  it('at each create the write-ahead records guard', async () => {
    const stateDir = await tempDir();
    const creates = [
      'az keyvault create',
      'az role assignment create',
      'az keyvault certificate create',
      'az identity create',
      'az identity federated-credential create',
      'helm upgrade --install',
      'az policy definition create',
      'az policy assignment create',
      'kubectl apply -f -',
    ];
    for (const prefix of creates) {
      killed(await run(stateDir, 'rbac', '--sandbox-fault', `${prefix}=crash`), prefix);
      const runId = await runIdOf(stateDir);
      const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
      expect(teardown.code, `${prefix}: ${teardown.stderr}`).toBe(0);
      const world = worldOf(stateDir);
      expect(markedBy(world, runId), prefix).toEqual([]);
      expect(unmarkedLeftovers(world), prefix).toEqual([]);
    }
  }, 600_000);

  it('the unsigned build, which runs alongside the signed one, then a resume', async () => {
    const stateDir = await tempDir();
    const unsignedBuild = 'az acr build -r myregistry4ratify -t myregistry4ratify.azurecr.io/net-watcher:v1';
    killed(await run(stateDir, 'rbac', '--sandbox-fault', `${unsignedBuild}=crash`), 'unsigned build');
    await expectConverged(stateDir, 'rbac');
    await expectTornDown(stateDir);
  }, 300_000);
});
