import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerKeys, envVarFor, type AnswerKey } from '../../kernel/answer-keys.js';
import { callCount } from '../helpers/call-log.js';
import { BIN, REPO, cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { seededRandom } from '../helpers/seeded-random.js';

/**
 * Generated bad values for every answer key, each through one of --set, the environment and an
 * answers file, on the built binary: every one exits 2 before anything runs (no call-log line,
 * no simulated world), writes nothing outside the state dir, and prints no raw control or
 * direction-changing character. The values break the answer rules (prompts/validators.ts states
 * them), and are built here independently of the validators.
 */
const demo = join(REPO, 'templates/answers/demo.yaml');

/** Invisible or terminal-controlling characters: invalid in every answer. */
const hostile = ['\u001b[31m', '\u202e', '\u200f', '\u200b', '\u0007', '\n', '\u2066', '\ufeff'];

/** Per key: values that break its rule, the reported cases (no-scheme paths, /etc/passwd, hostile subjects) among them. */
const broken: Record<AnswerKey, string[]> = {
  subscriptionId: ['not-a-guid', '0000', '00000000-0000-0000-0000-00000000000g', '{00000000-0000-0000-0000-000000000000}'],
  location: ['West Europe', 'eu-west', 'EASTUS', '1east'],
  resourceGroup: ['rg.', 'x'.repeat(91), 'rg/one', 'rg one', 'rg#1'],
  aksName: ['aks_', '_aks', 'x'.repeat(64), 'aks.name', 'aks name'],
  acrName: ['abcd', 'acr-name', 'x'.repeat(51), 'acr_name', 'acr.name'],
  keyVaultName: ['kv', '1kv-demo', 'kv--demo', 'kv-demo-', 'x'.repeat(25), 'kv_demo'],
  keyVaultAuth: ['RBAC2', 'policy', 'access_policy', 'none'],
  certName: ['cert_x', 'x'.repeat(128), 'cert.x', 'cert x'],
  certSubject: [
    'CN=x',
    'CN=x,O=a,ST=b,C=USA',
    'CN=x,O=a+OU=b,ST=c,C=US',
    'CN=x,O=a,O=b,ST=c,C=US',
    'CN=x;y,O=a,ST=b,C=US',
    'CN=x\\q,O=a,ST=b,C=US',
    `CN=${'x'.repeat(65)},O=a,ST=b,C=US`,
    `CN=${'x'.repeat(3000)},O=a,ST=b,C=US`,
    'CN=<x>,O=a,ST=b,C=US',
  ],
  identityName: ['id', '_identity', 'x'.repeat(129), 'id.x', 'id x'],
  repo: ['Net-Monitor', 'repo:tag', 'a//b', 'repo@sha256:x', '.repo'],
  unsignedRepo: ['Net-Watcher', 'r:t', 'a__-b/', 'x'.repeat(256)],
  tag: ['.v1', 'v 1', 'x'.repeat(129), 'v1:2', 'v1/2'],
  imageSource: ['./no-such-context', '/etc/passwd', 'ftp://host/repo.git', 'relative/missing', 'https://', 'file:///etc'],
  unsignedImageSource: ['../missing', '/etc/hostname', 'gopher://x/y.git', 'https://host'],
  demoNamespace: ['Demo', 'kube-system', 'gatekeeper-system', 'x'.repeat(64), 'demo_ns', 'demo-'],
  policyName: ['policy name', 'x'.repeat(65), 'policy.name', 'policy/x'],
  policyEffect: ['deny2', 'Disabled', 'audit-only', 'block'],
  ratifyChartVersion: ['1.14.0', '2.0.0', 'v1.15.0', 'latest'],
  cleanupImageIntegrity: ['maybe', '2', 'enabled', 'y e s'],
  createBaseResources: ['perhaps', '-1', 'TRUEE', 'nope'],
};

interface Case {
  readonly key: AnswerKey;
  readonly value: string;
  readonly channel: 'set' | 'env' | 'file';
}

function generate(seed: number): Case[] {
  const next = seededRandom(seed);
  const valid: Record<string, string> = {
    certSubject: 'CN=wabbit-networks.io,O=Notation,ST=WA,C=US',
    imageSource: 'https://github.com/a/b.git#main',
  };
  const choices = ['keyVaultAuth', 'policyEffect', 'ratifyChartVersion', 'cleanupImageIntegrity', 'createBaseResources'];
  const cases: Case[] = [];
  const channels = ['set', 'env', 'file'] as const;
  for (const key of answerKeys) {
    const values = [...broken[key]];
    // Every key also gets hostile characters put inside an otherwise ordinary value, and a leading dash.
    const base = valid[key] ?? 'value1';
    for (let i = 0; i < 5; i++) {
      // Inside the value: surrounding whitespace is trimmed from every answer, by design.
      const at = 1 + Math.floor(next() * (base.length - 1));
      values.push(`${base.slice(0, at)}${hostile[Math.floor(next() * hostile.length)]}${base.slice(at)}`);
    }
    if (!choices.includes(key)) values.push(`-${base}`);
    values.forEach((value, i) => cases.push({ key, value, channel: channels[(i + answerKeys.indexOf(key)) % 3]! }));
  }
  return cases;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function runOnce(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function check(root: string, c: Case, index: number, demoText: string): Promise<string | undefined> {
  const work = join(root, `case-${index}`);
  const home = join(work, 'home');
  const stateDir = join(work, 'state');
  await mkdir(home, { recursive: true });
  const answers = join(work, 'answers.yaml');
  // The demo answers, with the fuzzed key replaced when the file is the channel (a JSON string is a YAML double-quoted scalar).
  const lines = demoText.split('\n').filter((line) => !line.startsWith(`${c.key}:`));
  if (c.channel === 'file') lines.push(`${c.key}: ${JSON.stringify(c.value)}`);
  await writeFile(answers, `${lines.join('\n')}\n`);
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), HOME: home, CI: 'true', ...(c.channel === 'env' ? { [envVarFor(c.key)]: c.value } : {}) };
  const set = c.channel === 'set' ? ['--set', `${c.key}=${c.value}`] : [];
  const args = ['run', '--sandbox', '--non-interactive', '--answers', answers, '--state-dir', stateDir, ...set];
  const before = await listFiles(work);
  const result = await runOnce(args, work, env);
  const what = `${c.key} via ${c.channel}: ${JSON.stringify(c.value).slice(0, 80)}`;
  if (result.code !== 2) return `${what}: exit ${result.code}\n${result.stderr.slice(-600)}`;
  const named = new RegExp(`invalid ${c.key}\\b|--set|answers\\.yaml`);
  if (!named.test(result.stderr)) return `${what}: the report does not name it\n${result.stderr}`;
  if (/[\u001b\u202e\u200f\u200b\u0007\u2066\ufeff]/.test(result.stderr)) return `${what}: raw control or invisible character printed`;
  if ((await callCount(stateDir)) !== 0) return `${what}: a tool was called`;
  const outside = (await listFiles(work)).filter((f) => !f.startsWith('state/') && !before.includes(f));
  if (outside.length > 0) return `${what}: wrote outside the state dir: ${outside.join(', ')}`;
  const inState = await listFiles(stateDir).catch(() => []);
  if (inState.some((f) => f.startsWith('sandbox/'))) return `${what}: started the simulated world`;
  return undefined;
}

describe('fuzzed answers through --set, the environment and an answers file (built binary)', () => {
  it('every invalid value exits 2: no tool call, nothing written outside the state dir, nothing raw printed', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    console.log(`answer values generated with FUZZ_SEED=${seed}`);
    const cases = generate(seed);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    for (const key of answerKeys) expect(cases.filter((c) => c.key === key).length, key).toBeGreaterThanOrEqual(7);
    for (const channel of ['set', 'env', 'file']) {
      expect(cases.filter((c) => c.channel === channel).length, channel).toBeGreaterThanOrEqual(60);
    }
    const root = await tempDir('rr-fuzz-');
    const demoText = await readFile(demo, 'utf8');
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < cases.length) {
          const index = next++;
          const problem = await check(root, cases[index]!, index, demoText);
          if (problem) failures.push(problem);
        }
      }),
    );
    expect(failures).toEqual([]);
  }, 600_000);
});
