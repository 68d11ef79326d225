import { cp, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { markedBy, runIdOf, unmarkedLeftovers, worldOf } from '../helpers/world-checks.js';

/**
 * A run named with --run-id, whose state dir is lost (a workshop's cache expired): only the
 * answers and the cloud are left. `teardown --sweep --run-id` finds what carries that mark and
 * removes it; without --run-id there is nothing to go on. Built binary, sandbox.
 */
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
const RUN_ID = 'ws-sweep.e2e_1';
// The run creates its own resource group, registry and cluster (as a workshop attendee's does): all carry the mark.
const OWN_BASE = [
  'createBaseResources=true',
  'resourceGroup=rg-sweep-e2e',
  'aksName=aks-sweep-e2e',
  'acrName=acrsweepe2e1',
  'keyVaultName=kv-sweep-e2e-1',
].flatMap((s) => ['--set', s]);

/** What a fresh runner has: the attendee's answers and the restored world, no ledger (the world's owner files left out). */
async function lostState(from: string): Promise<string> {
  const dir = await tempDir();
  await cp(join(from, 'answers.yaml'), join(dir, 'answers.yaml'));
  await mkdir(join(dir, 'sandbox'));
  await cp(join(from, 'sandbox'), join(dir, 'sandbox'), {
    recursive: true,
    filter: (path) => !['owner.lock', 'server.json'].includes(basename(path)),
  });
  return dir;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('teardown --sweep --run-id: a run whose ledger is gone (built binary)', () => {
  it('run --run-id marks everything with that id; the sweep by that id removes it all and writes no ledger', async () => {
    const first = await tempDir();
    const run = await runCli([
      'run',
      '--sandbox',
      '--non-interactive',
      '--answers',
      demoAnswers,
      ...OWN_BASE,
      '--state-dir',
      first,
      '--run-id',
      RUN_ID,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Starting run ${RUN_ID}`);
    expect(await runIdOf(first)).toBe(RUN_ID);
    const marked = markedBy(worldOf(first), RUN_ID);
    expect(marked).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/managedClusters aks-sweep-e2e/i),
        expect.stringMatching(/resourceGroups rg-sweep-e2e/i),
        expect.stringMatching(/vaults kv-sweep-e2e-1/),
      ]),
    );
    // The same id resumes the run: nothing to do, nothing refused.
    const again = await runCli(['run', '--sandbox', '--non-interactive', '--state-dir', first, '--run-id', RUN_ID]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Resuming run ${RUN_ID}`);

    const stateDir = await lostState(first);
    await rm(first, { recursive: true, force: true });
    const before = JSON.stringify(worldOf(stateDir));
    expect(markedBy(worldOf(stateDir), RUN_ID)).toEqual(marked);

    // What the exported teardown workflow ran before: with no ledger, no mark is known and nothing is removed.
    const blind = await runCli(['teardown', '--sandbox', '--yes', '--sweep', '--state-dir', stateDir]);
    expect(blind.code, blind.stderr).toBe(0);
    expect(blind.stderr).toContain(`Nothing to tear down: no run in ${stateDir}`);
    expect(blind.stderr).toContain('teardown --sweep --run-id ID');
    expect(JSON.stringify(worldOf(stateDir))).toBe(before);

    const refused = await runCli(['teardown', '--sandbox', '--sweep', '--run-id', RUN_ID, '--state-dir', stateDir]);
    expect(refused.code).toBe(2); // it lists, then asks: no terminal and no --yes
    expect(refused.stderr).toMatch(
      new RegExp(`No ledger in .*: --sweep removes the \\d+ resource\\(s\\) with the mark ratify-runbook-run=${RUN_ID}`),
    );
    expect(refused.stderr).toMatch(/- Microsoft.ContainerService\/managedClusters aks-sweep-e2e/i);
    expect(refused.stderr).toContain('confirm with --yes');
    expect(JSON.stringify(worldOf(stateDir))).toBe(before);

    const sweep = await runCli(['teardown', '--sandbox', '--sweep', '--run-id', RUN_ID, '--yes', '--state-dir', stateDir]);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(/Microsoft.ContainerService\/managedClusters aks-sweep-e2e goes with its resource group/i);
    expect(sweep.stderr).toMatch(/removed Microsoft.Resources\/resourceGroups rg-sweep-e2e/i);
    expect(sweep.stderr).toMatch(new RegExp(`✔ Swept \\d+ resource\\(s\\) carrying ratify-runbook-run=${RUN_ID}; nothing carries it now`));
    const world = worldOf(stateDir);
    expect(markedBy(world, RUN_ID)).toEqual([]);
    expect(unmarkedLeftovers(world)).toEqual([]);
    const live = JSON.stringify({
      arm: world.arm,
      vaults: world.vaults,
      deletedVaults: world.deletedVaults,
      registries: world.registries,
      clusters: world.clusters,
    }).toLowerCase();
    for (const name of ['rg-sweep-e2e', 'aks-sweep-e2e', 'acrsweepe2e1', 'kv-sweep-e2e-1', 'ratify-identity'])
      expect(live, name).not.toContain(name);
    // The sweep knew no step of the run: it wrote no ledger that would pretend it did.
    expect(await exists(join(stateDir, 'state.json'))).toBe(false);
    expect((await readdir(stateDir)).sort()).toEqual(expect.arrayContaining(['answers.yaml', 'sandbox']));

    const twice = await runCli(['teardown', '--sandbox', '--sweep', '--run-id', RUN_ID, '--yes', '--state-dir', stateDir]);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stderr).toContain(`Nothing to tear down: nothing in subscription`);
    expect(twice.stderr).toContain(`carries the mark ratify-runbook-run=${RUN_ID}`);
  }, 240_000);

  it("a bad --run-id, another run's id, or --run-id without --sweep: exit 2, nothing run, the ledger kept", async () => {
    const stateDir = await tempDir();
    for (const bad of ['-x', 'has space', 'a/b', 'x'.repeat(64), 'ends-with-dash-', 'é']) {
      for (const command of [
        ['run', '--non-interactive'],
        ['teardown', '--sweep', '--yes'],
      ]) {
        const result = await runCli([...command, '--sandbox', '--state-dir', stateDir, `--run-id=${bad}`]);
        expect(result.code, `${command[0]} ${bad}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toContain("cannot be a run's mark");
        expect(result.stderr).toContain('1 to 63 characters: letters, digits, ".", "_" and "-"');
      }
    }
    expect(await readdir(stateDir)).toEqual([]); // refused before the state dir was touched

    const run = await runCli([
      'run',
      '--sandbox',
      '--non-interactive',
      '--answers',
      demoAnswers,
      '--state-dir',
      stateDir,
      '--run-id',
      'first-id',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const ledger = await readFile(join(stateDir, 'state.json'), 'utf8');
    expect(JSON.parse(ledger).runId).toBe('first-id');

    const other = await runCli(['run', '--sandbox', '--non-interactive', '--state-dir', stateDir, '--run-id', 'second-id']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`The state dir ${stateDir} belongs to run first-id, but --run-id is second-id. Nothing was run.`);
    expect(other.stderr).toContain('A state dir keeps its run id');
    const sweepOther = await runCli(['teardown', '--sandbox', '--sweep', '--yes', '--state-dir', stateDir, '--run-id', 'second-id']);
    expect(sweepOther.code).toBe(2);
    expect(sweepOther.stderr).toContain('belongs to run first-id, but --run-id is second-id');
    const noSweep = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir, '--run-id', 'first-id']);
    expect(noSweep.code).toBe(2);
    expect(noSweep.stderr).toContain('--run-id only goes with --sweep');
    expect(await readFile(join(stateDir, 'state.json'), 'utf8')).toBe(ledger);

    // The ledger's own id is accepted: the teardown goes on as without it.
    const same = await runCli(['teardown', '--sandbox', '--sweep', '--yes', '--state-dir', stateDir, '--run-id', 'first-id']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/✔ Teardown done/);
    expect(markedBy(worldOf(stateDir), 'first-id')).toEqual([]);
  }, 120_000);
});
