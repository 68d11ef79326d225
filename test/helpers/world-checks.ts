import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { World } from '../../sandbox/world/model.js';
import { loadWorld } from '../../sandbox/world/store.js';

/** The simulated world as its last acknowledged change left it (snapshot + journal replay). */
export function worldOf(stateDir: string): World {
  const world = loadWorld(join(stateDir, 'sandbox'));
  if (!world) throw new Error(`no simulated world in ${stateDir}/sandbox`);
  return world;
}

export async function runIdOf(stateDir: string): Promise<string> {
  return (JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as { runId: string }).runId;
}

const FIC = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials';
const ofType = (world: World, type: string) => Object.values(world.arm).filter((r) => r.type.toLowerCase() === type.toLowerCase());
const marker = (runId: string) => `ratify-runbook-run=${runId}`;

/**
 * How many of each thing the flow makes: the numbers a converged run must show exactly once
 * (per scope for role assignments), whatever crashes happened on the way.
 */
const DEMO = { vault: 'ratify-demo-kv', cert: 'ratify', identity: 'ratify-identity', policy: 'ratify-default-custom-policy' };

export function flowCounts(world: World, names = DEMO) {
  const vault = world.vaults[names.vault];
  const cert = vault?.certificates[names.cert];
  const registry = Object.values(world.registries)[0];
  const signed = registry?.repositories['net-monitor'];
  const digest = signed?.tags.v1;
  const cluster = Object.values(world.clusters)[0];
  const grants = new Map<string, number>();
  for (const ra of ofType(world, 'Microsoft.Authorization/roleAssignments')) {
    const p = ra.properties as { principalId: string; roleDefinitionId: string; scope: string };
    const key = `${p.principalId} ${p.roleDefinitionId.split('/').pop()} ${p.scope.toLowerCase()}`;
    grants.set(key, (grants.get(key) ?? 0) + 1);
  }
  return {
    vaults: ofType(world, 'Microsoft.KeyVault/vaults').filter((r) => r.name === names.vault).length,
    certificateVersions: cert?.versions.length ?? 0,
    signaturesOnDigest: digest ? (signed?.manifests[digest]?.signatures.length ?? 0) : 0,
    identities: ofType(world, 'Microsoft.ManagedIdentity/userAssignedIdentities').filter((r) => r.name === names.identity).length,
    federatedCredentials: ofType(world, 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials').length,
    policyAssignments: ofType(world, 'Microsoft.Authorization/policyAssignments').filter((r) => r.name === names.policy).length,
    helmReleases: cluster ? helmReleases(cluster).length : 0,
    /** The largest number of role assignments for one principal, role and scope. */
    maxGrantsPerScope: Math.max(0, ...grants.values()),
  };
}

/** Helm keeps each release as Secrets in the cluster (one per revision, labelled owner=helm): the releases' `namespace/name`s. */
function helmReleases(cluster: World['clusters'][string]): string[] {
  const names = Object.values(cluster.objects)
    .filter((o) => o.kind === 'Secret' && o.metadata.labels?.owner === 'helm')
    .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.labels?.name ?? ''}`);
  return [...new Set(names)];
}

/** Everything in the world that carries the run's mark: tags, description markers, labels. */
export function markedBy(world: World, runId: string): string[] {
  const found: string[] = [];
  for (const r of Object.values(world.arm)) {
    if (r.tags?.['ratify-runbook-run'] === runId) found.push(`tagged ${r.type} ${r.name}`);
    const description = (r.properties as { description?: unknown }).description;
    if (typeof description === 'string' && description.includes(marker(runId))) found.push(`marked ${r.type} ${r.name}`);
  }
  for (const [name, vault] of Object.entries(world.vaults)) {
    for (const c of Object.values(vault.certificates)) {
      if (c.tags['ratify-runbook-run'] === runId) found.push(`certificate ${name}/${c.name}`);
    }
  }
  for (const cluster of Object.values(world.clusters)) {
    for (const o of Object.values(cluster.objects)) {
      if (o.metadata.labels?.['ratify-runbook-run'] === runId && o.kind !== 'Pod') found.push(`${o.kind} ${o.metadata.name}`);
    }
  }
  return found;
}

/** What the run makes that carries no mark at all: it must be gone after a teardown too. */
export function unmarkedLeftovers(world: World): string[] {
  const cluster = Object.values(world.clusters)[0];
  const registry = Object.values(world.registries)[0];
  return [
    ...ofType(world, FIC).map((r) => `federated credential ${r.name}`),
    ...ofType(world, 'Microsoft.Authorization/policyAssignments')
      .filter((r) => r.name === DEMO.policy)
      .map((r) => `policy assignment ${r.id}`),
    ...(cluster ? helmReleases(cluster) : []).map((k) => `helm release ${k}`),
    ...Object.keys(registry?.repositories ?? {}).map((k) => `repository ${k}`),
    ...Object.keys(world.deletedVaults).map((k) => `deleted vault ${k} (not purged)`),
  ];
}
