/**
 * Workshop end to end on the sandbox, driving the built binary as a host would:
 * 5 attendees with awkward names (accents, spaces in names, a 40-character id) are initialised,
 * run to verify in one shared simulated tenant, and torn down until the world holds none of
 * their resources. Needs `npx tsc -p tsconfig.build.json` first (npm test does it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMutating, readCalls } from '../helpers/call-log.js';
import { runCli } from '../helpers/cli.js';
import { worldOf } from '../helpers/world-checks.js';
import { tempDir } from '../helpers/engine-harness.js';

const FORTY = 'a-very-long-attendee-identifier-40-chars';

describe('workshop on the sandbox (built binary)', () => {
  it('init -> run 5 awkward attendees to verify -> status -> teardown empties the world of them', { timeout: 300_000 }, async () => {
    expect(FORTY).toHaveLength(40);
    const root = await tempDir('rr-ws-e2e-');
    const roster = join(root, 'roster.csv');
    await writeFile(
      roster,
      [
        '\uFEFFid,name,email',
        'zoé,"Zoé Ünal-Ørsted",zoe@example.org',
        'José_García,"José García, Jr.",jose@example.org',
        `${FORTY},"Long Id",long@example.org`,
        'ÅSA,"Åsa Lindqvist",asa@example.org',
        'o-brien,"Seán O\'Brien ""the host""",sean@example.org',
        '',
      ].join('\r\n'),
    );
    const dir = join(root, 'ws');

    const init = await runCli(['workshop', 'init', '--roster', roster, '--out', dir]);
    expect(init.code, init.stderr).toBe(0);
    const ids = ['zoé', 'José_García', FORTY, 'ÅSA', 'o-brien'];
    const names: string[] = [];
    for (const id of ids) {
      const answers = await readFile(join(dir, id, 'answers.yaml'), 'utf8');
      for (const key of ['resourceGroup', 'acrName', 'keyVaultName', 'aksName', 'policyName']) {
        const value = new RegExp(`^${key}: (.+)$`, 'm').exec(answers)?.[1];
        expect(value, `${id} ${key}`).toBeDefined();
        names.push(value!.toLowerCase());
      }
    }

    const run = await runCli(['workshop', 'run', '--dir', dir, '--sandbox', '--concurrency', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const afterRun = JSON.parse(run.stdout);
    for (const attendee of afterRun.attendees) {
      expect(attendee.state, attendee.id).toBe('done');
      const verify = attendee.status.steps.find((s: { id: string }) => s.id === 'verify');
      expect(verify.outputs.unsignedDenied, attendee.id).toBe('true');
      // Attendees never share a kubeconfig: each names its own state dir's.
      const prereqs = attendee.status.steps.find((s: { id: string }) => s.id === 'cluster-prereqs');
      expect(prereqs.outputs.kubeconfig).toContain(join(dir, attendee.id));
    }
    // The host's view follows each attendee's run through its events (off a terminal: one line each).
    for (const id of ids) expect(run.stderr).toContain(`${id}: verify done`);
    expect(run.stderr).toMatch(/zoé: key-vault checking \(first run\)/);
    // Each attendee's own transcript ends with the run's summary, offering the workshop's commands.
    const transcript = await readFile(join(dir, 'zoé', 'logs', 'workshop-run.log'), 'utf8');
    expect(transcript).toContain('The unsigned image was denied');
    expect(transcript).toContain(`ratify-runbook workshop teardown --dir ${dir} --sandbox`);

    // Re-running resumes everyone: nothing left to do, still exit 0, and not one mutating call.
    const callsBefore = (await readCalls(dir)).length;
    const again = await runCli(['workshop', 'run', '--dir', dir, '--sandbox']);
    expect(again.code, again.stderr).toBe(0);
    const rerun = (await readCalls(dir)).slice(callsBefore);
    expect(rerun.length).toBeGreaterThan(0); // preflight reads every time
    expect(rerun.filter((c) => isMutating(c.argv)).map((c) => c.argv.join(' '))).toEqual([]);

    const status = await runCli(['workshop', 'status', '--dir', dir]);
    expect(status.code).toBe(0);
    for (const id of ids) expect(status.stdout).toContain(id);

    const refused = await runCli(['workshop', 'teardown', '--dir', dir, '--sandbox']);
    expect(refused.code).toBe(2);

    const teardown = await runCli(['workshop', 'teardown', '--dir', dir, '--sandbox', '--yes', '--concurrency', '5']);
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(teardown.stderr).toMatch(/o-brien: key-vault done/);
    const world = worldOf(dir);
    const live = JSON.stringify({
      arm: world.arm,
      vaults: world.vaults,
      deletedVaults: world.deletedVaults,
      registries: world.registries,
      clusters: world.clusters,
    }).toLowerCase();
    for (const name of names) expect(live, name).not.toContain(name);
  });
});
