import { join } from 'node:path';
import { expect } from 'vitest';
import { isMutating, readCalls } from './call-log.js';
import { REPO, runCli, type CliResult } from './cli.js';
import { tempDir } from './engine-harness.js';
import { flowCounts, markedBy, runIdOf, unmarkedLeftovers, worldOf } from './world-checks.js';

/** Shared by the kill tests: a sandbox run of the demo answers, and what a converged world must show. */
export const demoAnswers = join(REPO, 'templates/answers/demo.yaml');
export const run = (stateDir: string, mode: string, ...extra: string[]) =>
  runCli([
    'run',
    '--sandbox',
    '--serial',
    '--non-interactive',
    '--answers',
    demoAnswers,
    '--set',
    `keyVaultAuth=${mode}`,
    '--state-dir',
    stateDir,
    ...extra,
  ]);

/**
 * The flow's mutating commands in serial order, as fault prefixes (leading words; a role
 * name with spaces cannot be a prefix word, so repeated `role assignment create`s are told apart
 * by order: each resume reaches the next one that is not done yet).
 */
const AKS = 'az aks update -g myResourceGroup -n myAKSCluster';
export const targets = (mode: 'rbac' | 'access-policy', skipUnsignedBuild: boolean): string[] => [
  'az policy assignment delete',
  `${AKS} --disable-image-integrity`,
  'az aks get-credentials',
  `${AKS} --enable-oidc-issuer`,
  `${AKS} --attach-acr`,
  'az aks get-credentials',
  'az keyvault create',
  ...(mode === 'rbac' ? ['az role assignment create', 'az role assignment create'] : ['az keyvault set-policy']),
  'az keyvault certificate create',
  'az acr build -r myregistry4ratify -t myregistry4ratify.azurecr.io/net-monitor:v1',
  // The two builds run concurrently: the unsigned one gets its own chain (see below).
  ...(skipUnsignedBuild ? [] : ['az acr build -r myregistry4ratify -t myregistry4ratify.azurecr.io/net-watcher:v1']),
  'notation sign',
  'az identity create',
  'az role assignment create',
  mode === 'rbac' ? 'az role assignment create' : 'az keyvault set-policy',
  'az identity federated-credential create',
  'helm upgrade --install',
  'az policy definition create',
  'az policy assignment create',
  'kubectl apply -f -',
  'kubectl delete pod',
  'kubectl run demo-signed',
  'kubectl run demo-unsigned',
];

export function killed(result: CliResult, what: string): void {
  const why = `${what}: expected the sandbox to SIGKILL the run; exit ${result.code}\n${result.stderr.slice(-2000)}`;
  expect(result.signal, why).toBe('SIGKILL');
}

export async function expectConverged(stateDir: string, mode: string): Promise<void> {
  const last = await run(stateDir, mode, '--json');
  expect(last.code, last.stderr).toBe(0);
  const doc = JSON.parse(last.stdout) as { steps: { id: string; status: string; outputs: Record<string, string> }[] };
  const verify = doc.steps.find((s) => s.id === 'verify');
  expect(verify?.status).toBe('done');
  expect(verify?.outputs).toMatchObject({ signedAdmitted: 'true', unsignedDenied: 'true' });
  expect(flowCounts(worldOf(stateDir))).toEqual({
    vaults: 1,
    certificateVersions: 1,
    signaturesOnDigest: 1,
    identities: 1,
    federatedCredentials: 1,
    policyAssignments: 1,
    helmReleases: 1,
    maxGrantsPerScope: 1,
  });
}

export async function expectTornDown(stateDir: string): Promise<void> {
  const runId = await runIdOf(stateDir);
  const teardown = await runCli(['teardown', '--sandbox', '--yes', '--state-dir', stateDir]);
  expect(teardown.code, teardown.stderr).toBe(0);
  const world = worldOf(stateDir);
  expect(markedBy(world, runId)).toEqual([]);
  expect(unmarkedLeftovers(world)).toEqual([]);
}

/**
 * For every target in order, a run crashes right there (the sandbox's `crash` fault) and the next
 * run resumes. A resume may no longer need a target (the crash before it already changed what it
 * checks): that chain then runs to the end, is checked, and a fresh chain starts at that target.
 */
export async function crashAtEveryTarget(mode: 'rbac' | 'access-policy'): Promise<void> {
  const remaining = targets(mode, true);
  const mutated = new Set<string>();
  let chains = 0;
  while (remaining.length > 0) {
    const stateDir = await tempDir();
    chains += 1;
    let aimed = 0;
    while (remaining.length > 0) {
      const prefix = remaining[0]!;
      const result = await run(stateDir, mode, '--sandbox-fault', `${prefix}=crash`);
      if (result.signal !== 'SIGKILL') {
        expect(result.code, `${prefix}: ${result.stderr.slice(-2000)}`).toBe(0);
        // Not reached from this state: a fresh chain's first link must reach it.
        expect(aimed, `${prefix} is never reached, even from a fresh world`).toBeGreaterThan(0);
        break;
      }
      remaining.shift();
      aimed += 1;
    }
    await expectConverged(stateDir, mode);
    for (const c of await readCalls(stateDir)) {
      const words = c.argv.filter((a, j, all) => a !== '--subscription' && all[j - 1] !== '--subscription');
      if (isMutating(c.argv)) mutated.add(words.join(' '));
    }
    await expectTornDown(stateDir);
  }
  // A crash at one of a step's concurrent writes can find the others already made by the world, so
  // the next target is done on resume: one more chain for each such step (ratify-identity's grants
  // and credential; with an RBAC vault, signer-access's two grants too).
  expect(chains).toBeLessThanOrEqual(3 + (mode === 'rbac' ? 2 : 1));
  // Every mutating command the flow ran was one a crash was aimed at.
  expect([...mutated].filter((line) => !targets(mode, false).some((p) => line.startsWith(p)))).toEqual([]);
}
