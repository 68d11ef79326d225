import { describe, expect, test } from 'vitest';
import { applyQuery, render, renderTsv } from '../../sandbox/az/output.js';
import { parseArgs } from '../../sandbox/az/args.js';
import { FaultPlan, parseFaultSpec } from '../../sandbox/faults.js';
import { applySet } from '../../sandbox/helm/values.js';
import { parseLatency } from '../../sandbox/index.js';
import { signJwt, verifyJwt } from '../../sandbox/jwt.js';
import { jsonpath } from '../../sandbox/kube/jsonpath.js';
import { redactArgv } from '../../sandbox/server/redact.js';
import { sameDn } from '../../sandbox/tls.js';

describe('az output (knack output.py rules)', () => {
  test('json sorts keys, 2-space indent; null prints nothing', () => {
    expect(render({ z: 1, a: { y: true, b: null } }, 'json')).toBe('{\n  "a": {\n    "b": null,\n    "y": true\n  },\n  "z": 1\n}\n');
    expect(render(null, 'json')).toBe('');
    expect(render([], 'json')).toBe('[]\n');
    expect(render('abc', 'json')).toBe('"abc"\n');
    expect(render({ a: 1 }, 'none')).toBe('');
  });
  test('tsv rules', () => {
    expect(renderTsv('abc')).toBe('abc\n');
    expect(renderTsv(true)).toBe('true\n');
    expect(renderTsv(null)).toBe('');
    expect(renderTsv([])).toBe('');
    expect(renderTsv(['a', 'b'])).toBe('a\nb\n');
    expect(renderTsv(['x', 'y'].map((v) => ({ v })))).toBe('x\ny\n');
    expect(renderTsv(applyQuery({ name: 'n', isActive: true }, '{n:name,a:isActive,x:missing}'))).toBe('n\tTrue\tNone\n');
    expect(renderTsv(applyQuery({ b: [1, 2], a: 'x', c: { d: 1 } }, undefined))).toBe('x\t2\t\n');
    expect(renderTsv('')).toBe('\n');
  });
  test('bad --query is a parse error (exit 2)', () => {
    expect(() => applyQuery({}, '[bad')).toThrow(/invalid jmespath_type value: '\[bad'/);
  });
  test('argparse: required first, then unrecognized', () => {
    expect(() =>
      parseArgs(
        'keyvault create',
        ['--name', 'kv'],
        [
          { names: '--name -n', required: true },
          { names: '--resource-group -g', required: true },
        ],
      ),
    ).toThrow(/the following arguments are required: --resource-group\/-g/);
    expect(() => parseArgs('x', ['--bogus', 'v'], [])).toThrow(/unrecognized arguments: --bogus v/);
    expect(() => parseArgs('x', ['-o', 'xml'], [])).toThrow(
      /'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none./,
    );
  });
});

describe('controls', () => {
  test('latency forms', () => {
    expect(parseLatency('instant').ms('policySync')).toBe(0);
    expect(parseLatency('realistic').ms('policySync')).toBe(15 * 60_000);
    expect(parseLatency('realistic:0.01').ms('policySync')).toBe(9_000);
    expect(parseLatency('demo').ms('policySync')).toBeGreaterThan(1000);
    for (const bad of ['fast', 'demo:2', 'realistic:0', 'realistic:x', 'realistic:-1'])
      expect(() => parseLatency(bad)).toThrow(/instant \| demo \| realistic \| realistic:SCALE/);
  });
  test('fault specs: prefix, kind, count', () => {
    expect(parseFaultSpec('az keyvault certificate create=transient*2')).toMatchObject({
      prefix: ['az', 'keyvault', 'certificate', 'create'],
      kind: 'transient',
      count: 2,
    });
    expect(parseFaultSpec('kubectl run=hang').count).toBe(1);
    expect(() => parseFaultSpec('az x=boom')).toThrow(/unknown kind 'boom'/);
    expect(() => parseFaultSpec('nope')).toThrow(/<argv prefix>=<kind>/);
    const plan = new FaultPlan([parseFaultSpec('az acr build=conflict*2'), parseFaultSpec('helm=permanent*0')]);
    expect(plan.take(['az', 'acr', 'build', '-r', 'x'])).toBe('conflict');
    expect(plan.take(['az', 'acr', 'show'])).toBeUndefined();
    expect(plan.take(['az', 'acr', 'build'])).toBe('conflict');
    expect(plan.take(['az', 'acr', 'build'])).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(plan.take(['helm', 'status', 'r'])).toBe('permanent');
  });
  test('redaction hides tokens and passwords', () => {
    const jwt = signJwt({ aud: 'a', oid: 'o', tid: 't', exp: 9e9 }, 'k');
    expect(redactArgv(['notation', 'login', '-p', 'hunter2', 'acr.azurecr.io'])).toEqual([
      'notation',
      'login',
      '-p',
      '***',
      'acr.azurecr.io',
    ]);
    expect(redactArgv(['x', `--password=${jwt}`, `Bearer ${jwt}`])).toEqual(['x', '--password=***', 'Bearer ***']);
  });
  test('tokens look like real JWTs and verify only with the world key', () => {
    const jwt = signJwt({ aud: 'https://management.core.windows.net/', oid: 'o', tid: 't', exp: Math.floor(Date.now() / 1000) + 60 }, 'k');
    expect(jwt).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(Object.keys(claims)).toEqual(expect.arrayContaining(['aud', 'oid', 'tid', 'exp']));
    expect(verifyJwt(jwt, 'k', Date.now())?.oid).toBe('o');
    expect(verifyJwt(jwt, 'other', Date.now())).toBeUndefined();
    expect(verifyJwt(jwt, 'k', Date.now() + 120_000)).toBeUndefined();
  });
});

describe('helm --set and kubectl jsonpath', () => {
  test('--set splits on commas (docs/errata.md#set-splits-commas) and types values', () => {
    const v: Record<string, unknown> = {};
    applySet(v, 'notation.trustPolicies[0].trustedIdentities[0]=x509.subject: CN=a,O=Notation,ST=WA,C=US', 'set');
    expect(v).toEqual({ notation: { trustPolicies: [{ trustedIdentities: ['x509.subject: CN=a'] }] }, O: 'Notation', ST: 'WA', C: 'US' });
    const w: Record<string, unknown> = {};
    applySet(w, 'a.b=true,c=3,d={x,y},e=CN=a\\,O=b', 'set');
    expect(w).toEqual({ a: { b: true }, c: 3, d: ['x', 'y'], e: 'CN=a,O=b' });
  });
  test('jsonpath subset', () => {
    const list = { items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] };
    expect(jsonpath('{.items[*].metadata.name}', list)).toBe('a b');
    expect(jsonpath('{range .items[*]}{.metadata.name}{"\\n"}{end}', list)).toBe('a\nb\n');
    expect(jsonpath('{.items[0].metadata.name}', list)).toBe('a');
  });
  test('DN comparison is by attribute set', () => {
    expect(sameDn('CN=a,O=b,ST=WA,C=US', 'C=US,ST=WA,O=b,CN=a')).toBe(true);
    expect(sameDn('CN=a', 'CN=a,O=b')).toBe(false);
  });
});
