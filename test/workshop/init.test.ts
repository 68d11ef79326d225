import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnswersYaml } from '../../prompts/answers-yaml.js';
import { RunbookError } from '../../kernel/errors.js';
import { tempDir } from '../helpers/engine-harness.js';
import { slug, stableHash, suffixOf, truncate } from '../../workshop/helpers.js';
import { initWorkshop } from '../../workshop/init.js';
import { readWorkshopFile } from '../../workshop/workshop-file.js';

const SUB = '11111111-2222-3333-4444-555555555555';
const now = new Date('2025-01-01T00:00:00Z');

async function setup(roster: string, template?: string, name = 'roster.csv') {
  const root = await tempDir('rr-ws-');
  const rosterPath = join(root, name);
  await writeFile(rosterPath, roster);
  let templatePath: string | undefined;
  if (template !== undefined) {
    templatePath = join(root, 'template.yaml');
    await writeFile(templatePath, template);
  }
  return { root, rosterPath, templatePath, outDir: join(root, 'ws') };
}

async function answersOf(outDir: string, id: string): Promise<Record<string, string>> {
  const doc = parseAnswersYaml(await readFile(join(outDir, id, 'answers.yaml'), 'utf8'), id);
  return Object.fromEntries([...doc.entries].map(([k, v]) => [k, v.raw]));
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunbookError);
  expect((error as RunbookError).exitCode).toBe(2);
  return [...(error as RunbookError).hints];
}

describe('helpers', () => {
  it('slug folds accents, keeps [a-z0-9] and the separator, trims, limits, never empty', () => {
    expect(slug('José García-Łukasz  Straße')).toBe('jose-garcia-lukasz-strasse');
    expect(slug("Zoë O'Brien", 20, '')).toBe('zoeobrien');
    expect(slug('abc-def-ghi', 4)).toBe('abc');
    expect(slug('___')).toBe('x');
    expect(slug('日本')).toBe('x');
    expect(() => slug('a', 5, '.')).toThrow(/sep/);
  });
  it('truncate counts characters, hash is stable and differs per subscription and id, suffix takes a prefix', () => {
    expect(truncate('zoé-long', 3)).toBe('zoé');
    expect(stableHash(SUB, 'alice')).toBe(stableHash(SUB.toUpperCase(), 'alice'));
    expect(stableHash(SUB, 'alice')).toMatch(/^[a-z0-9]{6}$/);
    expect(stableHash(SUB, 'alice')).not.toBe(stableHash(SUB, 'bob'));
    expect(stableHash(SUB, 'alice')).not.toBe(stableHash('', 'alice'));
    expect(stableHash(SUB, 'alice', 4)).toBe(stableHash(SUB, 'alice').slice(0, 4));
    expect(suffixOf('abcdefgh')).toBe('abcd');
    expect(() => suffixOf('abcdefgh', 9)).toThrow(/1 to 8/);
  });
});

describe('workshop init', () => {
  it('renders the default template per attendee: valid, unique, createBaseResources on', async () => {
    const s = await setup('id,name,location\nalice,Alice,westeurope\nzoé,"Zoé, Ünal",\n' + `${'b'.repeat(40)},Long,\n`);
    const result = await initWorkshop({ ...s, hostSubscription: SUB, now });
    expect(result.written).toHaveLength(4);
    const alice = await answersOf(s.outDir, 'alice');
    expect(alice.subscriptionId).toBe(SUB);
    expect(alice.location).toBe('westeurope');
    expect(alice.createBaseResources).toBe('true');
    expect(alice.resourceGroup).toMatch(/^rg-ratify-alice-[a-z0-9]{4}$/);
    expect(alice.aksName).toBe('aks-alice');
    expect(alice.acrName).toMatch(/^acralice[a-z0-9]{8}$/);
    expect(alice.keyVaultName).toMatch(/^kv-alice-[a-z0-9]{8}$/);
    const zoe = await answersOf(s.outDir, 'zoé');
    expect(zoe.location).toBe('eastus');
    expect(zoe.aksName).toBe('aks-zoe');
    const long = await answersOf(s.outDir, 'b'.repeat(40));
    expect(long.keyVaultName!.length).toBeLessThanOrEqual(24);
    const file = await readWorkshopFile(s.outDir);
    expect(file?.attendees).toEqual(['alice', 'zoé', 'b'.repeat(40)]);
    expect(file?.hostSubscription).toBe(SUB);
  });

  it('keeps every suffix across re-runs (also of attendees who left and came back)', async () => {
    const s = await setup('id\nalice\nbob\n');
    await initWorkshop({ ...s, now });
    const first = await readWorkshopFile(s.outDir);
    const aliceFirst = await answersOf(s.outDir, 'alice');
    await writeFile(s.rosterPath, 'id\nalice\ncarol\n');
    await initWorkshop({ ...s, now });
    await writeFile(s.rosterPath, 'id\nbob\nalice\ncarol\n');
    await initWorkshop({ ...s, now });
    const last = await readWorkshopFile(s.outDir);
    expect(last?.suffixes.alice).toBe(first?.suffixes.alice);
    expect(last?.suffixes.bob).toBe(first?.suffixes.bob);
    expect(last?.attendees).toEqual(['bob', 'alice', 'carol']);
    expect(await answersOf(s.outDir, 'alice')).toEqual(aliceFirst);
  });

  it('lays a partial template over the default; attendee columns and helpers are available', async () => {
    const s = await setup(
      'id,team\nalice,Red Team\nbob,Blue\n',
      'keyVaultAuth: access-policy\ncreateBaseResources: false\nresourceGroup: "rg-{{slug attendee.team}}"\naksName: "{{lower attendee.id}}-{{truncate attendee.team 3}}"\npolicyEffect: Audit\n',
    );
    await initWorkshop({ ...s, hostSubscription: SUB, now, drawSuffix: () => 'zzzzzzzz' });
    const alice = await answersOf(s.outDir, 'alice');
    expect(alice).toMatchObject({
      keyVaultAuth: 'access-policy',
      createBaseResources: 'false',
      resourceGroup: 'rg-red-team',
      aksName: 'alice-Red',
      policyEffect: 'Audit',
    });
    expect(alice.acrName).toBe(`acralice${stableHash(SUB, 'alice', 4)}zzzz`);
  });

  it('reports invalid rendered names with the template line and the attendee; nothing written', async () => {
    const s = await setup('id\nalice\nbob\n', 'keyVaultName: "{{attendee.id}}--kv"\naksName: "-{{attendee.id}}"\n');
    const problems = await problemsOf(initWorkshop({ ...s, now }));
    expect(problems.filter((p) => p.includes('keyVaultName'))).toHaveLength(2);
    expect(problems.join('\n')).toMatch(
      /template.yaml:1, attendee "alice" \(.*roster.csv:2\): keyVaultName "alice--kv" must not contain "--"/,
    );
    expect(problems.join('\n')).toMatch(/template.yaml:2, attendee "bob" .*aksName "-bob" must not start with "-"/);
    await expect(readdir(s.outDir)).rejects.toThrow(/ENOENT/);
  });

  it('reports collisions: global names across all, per-subscription names among attendees sharing one', async () => {
    const other = '99999999-2222-3333-4444-555555555555';
    const s = await setup(
      `id,subscriptionId\nalice,${SUB}\nbob,${SUB}\ncarol,${other}\n`,
      'keyVaultName: kv-shared\npolicyName: ratify-policy\nresourceGroup: rg-one\naksName: aks-one\ncreateBaseResources: false\n',
    );
    const problems = await problemsOf(initWorkshop({ ...s, now }));
    const text = problems.join('\n');
    expect(text).toMatch(/keyVaultName "kv-shared" is shared by "alice", "bob", "carol": Key Vault names are global/);
    expect(text).toMatch(new RegExp(`policyName "ratify-policy" is shared by "alice", "bob" in subscription ${SUB}`));
    expect(text).toMatch(/resourceGroup "rg-one" \+ aksName "aks-one" is shared by "alice", "bob" in/);
    expect(text).toMatch(/resourceGroup "rg-one" \+ identityName "ratify-identity" is shared by "alice", "bob"/);
    expect(text).not.toMatch(/policyName.*"carol"/);
    expect(text).not.toMatch(/acrName/); // the default template's ACR names differ
  });

  it('a registry name is global: shared across subscriptions, whatever its case, is a collision', async () => {
    const other = '99999999-2222-3333-4444-555555555555';
    const roster = `id,subscriptionId,acr\nalice,${SUB},AcrShared01\nbob,${other},acrshared01\ncarol,${other},acrcarol01\n`;
    const s = await setup(roster, 'acrName: "{{attendee.acr}}"\n');
    const text = (await problemsOf(initWorkshop({ ...s, now }))).join('\n');
    expect(text).toMatch(/acrName "AcrShared01" is shared by "alice", "bob": registry names are global across Azure/);
    expect(text).not.toMatch(/acrName.*"carol"/);
    await expect(readdir(s.outDir)).rejects.toThrow(/ENOENT/);
  });

  it('a shared resource group is a collision when each attendee would create (and delete) it', async () => {
    const s = await setup('id\nalice\nbob\n', 'resourceGroup: rg-all\n');
    const problems = await problemsOf(initWorkshop({ ...s, now }));
    expect(problems.join('\n')).toMatch(
      /resourceGroup "rg-all" is shared by "alice", "bob" in the host's subscription: with createBaseResources: true/,
    );
  });

  it('reports template problems once: unknown keys, unknown columns, syntax, bad helper use', async () => {
    const s = await setup('id\nalice\n', 'keyvault: x\naksName: "{{attendee.nmae}}"\nresourceGroup: "{{slug attendee.id"\n');
    const problems = await problemsOf(initWorkshop({ ...s, now }));
    expect(problems.join('\n')).toMatch(/template.yaml:1: "keyvault" is not an answer key/);
    expect(problems.join('\n')).toMatch(/template.yaml:2: aksName reads attendee.nmae, but the roster has no "nmae" column/);
    expect(problems.join('\n')).toMatch(/template.yaml:3: resourceGroup is not a valid template/);
    const t = await setup('id\nalice\n', 'aksName: "{{truncate attendee.id}}"\n');
    expect((await problemsOf(initWorkshop({ ...t, now }))).join('\n')).toMatch(/aksName: \{\{truncate\}\} needs a length/);
  });

  it('duplicate ids and an empty roster: exit 2, every problem listed, nothing written', async () => {
    const s = await setup('id\nalice\nalice\n../x\n');
    const problems = await problemsOf(initWorkshop({ ...s, now }));
    expect(problems.filter((p) => p.includes('roster.csv'))).toHaveLength(2);
    await expect(readdir(s.outDir)).rejects.toThrow(/ENOENT/);
    const e = await setup('id,name\n');
    expect((await problemsOf(initWorkshop({ ...e, now })))[0]).toMatch(/lists no attendees/);
  });

  it('location is required when createBaseResources is true; names in a YAML roster work too', async () => {
    const s = await setup('- id: alice\n', 'location: ""\n', 'roster.yaml');
    expect((await problemsOf(initWorkshop({ ...s, now }))).join('\n')).toMatch(/location has no value, but createBaseResources is true/);
  });

  it('a damaged workshop.yaml stops init rather than redrawing suffixes', async () => {
    const s = await setup('id\nalice\n');
    await mkdir(s.outDir, { recursive: true });
    await writeFile(join(s.outDir, 'workshop.yaml'), 'version: 1\nattendees: oops\n');
    await expect(initWorkshop({ ...s, now })).rejects.toThrow(/is damaged/);
  });
});
