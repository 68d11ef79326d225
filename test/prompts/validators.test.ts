import { DENIED_RATIFY_CHARTS, newerPatch } from '../../kernel/ratify-chart.js';
import { describe, expect, it } from 'vitest';
import {
  parseBoolean,
  parseDistinguishedName,
  validateAcrName,
  validateAksName,
  validateBoolean,
  validateCertName,
  validateCertSubject,
  validateDemoNamespace,
  validateIdentityName,
  validateImageSource,
  validateKeyVaultAuth,
  ratifyChartVersionValidator,
  validateKeyVaultName,
  validateLocation,
  validatePolicyEffect,
  validatePolicyName,
  validateRatifyChartVersion,
  validateRepository,
  validateResourceGroup,
  validateSubscriptionId,
  validateTag,
} from '../../prompts/validators.js';
import type { Validator } from '../../prompts/validators.js';

function cases(name: string, validate: Validator, good: string[], bad: Array<[string, RegExp]>): void {
  describe(name, () => {
    it.each(good)('accepts %j', (value) => {
      expect(validate(value)).toBeUndefined();
    });
    it.each(bad)('rejects %j', (value, message) => {
      expect(validate(value)).toMatch(message);
    });
  });
}

cases(
  'subscriptionId',
  validateSubscriptionId,
  ['0b1f6471-1bf0-4dda-aec3-cb9272f09590', '0B1F6471-1BF0-4DDA-AEC3-CB9272F09590'],
  [
    ['0b1f6471', /GUID/],
    ['-b1f6471-1bf0-4dda-aec3-cb9272f09590', /start with "-"/],
    ['', /empty/],
  ],
);

cases(
  'location',
  validateLocation,
  ['westeurope', 'eastus2', 'eastus2euap'],
  [
    ['West Europe', /did you mean "westeurope"/i],
    ['-eastus', /start with "-"/],
    ['east_us', /region name/],
  ],
);

cases(
  'resourceGroup',
  validateResourceGroup,
  ['rg-ratify-demo', 'rg_(demo).1', 'a', 'x'.repeat(90), 'grüppe'],
  [
    ['rg.', /not end with "\."/],
    ['x'.repeat(91), /at most 90/],
    ['rg demo', /only letters/],
    ['-rg', /start with "-"/],
    ['rg/x', /only letters/],
  ],
);

cases(
  'aksName',
  validateAksName,
  ['aks-ratify-demo', 'a', 'aks_1', 'x'.repeat(63)],
  [
    ['aks-', /start and end/],
    ['_aks', /start and end/],
    ['x'.repeat(64), /at most 63/],
    ['aks.demo', /only letters/],
    ['-aks', /start with "-"/],
  ],
);

cases(
  'acrName',
  validateAcrName,
  ['acrratifydemo01', 'ACRdemo1', 'x'.repeat(50)],
  [
    ['acr-ratify', /only letters and digits/],
    ['acr1', /at least 5/],
    ['x'.repeat(51), /at most 50/],
    ['-acr12', /start with "-"/],
  ],
);

cases(
  'keyVaultName',
  validateKeyVaultName,
  ['kv-ratify-demo01', 'abc', 'k'.repeat(24), 'KV1'],
  [
    ['kv--x', /"--"/],
    ['k'.repeat(25), /25 characters; at most 24/],
    ['kv-ratify-', /end with a letter or digit/],
    ['1kv-ratify', /start with a letter/],
    ['kv', /at least 3/],
    ['kv_ratify', /only letters, digits and "-"/],
    ['-kvratify', /start with "-"/],
  ],
);

cases(
  'keyVaultAuth',
  validateKeyVaultAuth,
  ['rbac', 'access-policy'],
  [
    ['RBAC', /"rbac" or "access-policy"/],
    ['policy', /rbac/],
  ],
);
cases(
  'policyEffect',
  validatePolicyEffect,
  ['Deny', 'Audit'],
  [
    ['deny', /"Deny" or "Audit"/],
    ['Disabled', /Deny/],
  ],
);
cases(
  'ratifyChartVersion',
  validateRatifyChartVersion,
  ['1.15.0', '1.15.1', '1.15.12'],
  [
    ['1.14.0', /1\.15\.x/],
    ['v1.15.0', /no "v" prefix/],
    ['1.16.0', /1\.15\.x/],
    ['2.0.0-alpha.1', /1\.15\.x/],
  ],
);

describe('ratifyChartVersion deny-list', () => {
  const url = 'https://github.com/notaryproject/ratify/issues/99999';
  const denied = [{ version: '1.15.3', reason: 'workload identity tokens are not refreshed', url }];
  const validate = ratifyChartVersionValidator(denied);
  it('refuses a denied patch and names the upstream page that says why', () => {
    expect(validate('1.15.3')).toBe(
      `1.15.3 is known to break this setup (workload identity tokens are not refreshed: ${url}); use 1.15.0 or another 1.15.x patch.`,
    );
  });
  it('accepts the other patches of the line', () => {
    expect(validate('1.15.2')).toBeUndefined();
    expect(validate('1.15.4')).toBeUndefined();
  });
  it('every entry of the shipped deny-list names an upstream URL', () => {
    for (const entry of DENIED_RATIFY_CHARTS) expect(entry.url).toMatch(/^https:\/\/github\.com\/|^https:\/\//);
  });
  it('the newer patch reported at install skips denied versions', () => {
    expect(newerPatch('1.15.0', ['1.15.0', '1.15.3', '1.14.2'], denied)).toBeUndefined();
    expect(newerPatch('1.15.0', ['1.15.0', '1.15.3', '1.15.2'], denied)).toBe('1.15.2');
    expect(newerPatch('1.15.2', ['1.15.0', '1.15.2'])).toBeUndefined();
  });
});

cases(
  'certName',
  validateCertName,
  ['wabbit-networks-io', 'c', 'x'.repeat(127)],
  [
    ['wabbit.networks', /only letters, digits and "-"/],
    ['x'.repeat(128), /at most 127/],
    ['-cert', /start with "-"/],
  ],
);

cases(
  'certSubject',
  validateCertSubject,
  [
    'CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US',
    'C=US, ST=WA, O=Notation',
    'CN=Wabbit\\, Inc.,O=Wabbit\\, Networks,ST=WA,C=US',
    'CN=example,O=Ex\\2C Co,ST=WA,C=us',
  ],
  [
    ['CN=wabbit-networks.io,O=Notation,L=Seattle,C=US', /C, ST and O.*ST missing/],
    ['CN=x', /C, ST, O missing/],
    ['CN=x,O=a+OU=b,ST=WA,C=US', /multi-valued RDN/],
    ['CN=x,O=a,O=b,ST=WA,C=US', /O twice/],
    ['CN=x,O=a,ST=WA,C=USA', /two-letter country/],
    ['CN=x,,O=a,ST=WA,C=US', /not TYPE=value/],
    ['CN=,O=a,ST=WA,C=US', /empty value/],
    ['-CN=x,O=a,ST=WA,C=US', /start with "-"/],
    // Printable only: a newline fails at verify, ESC repaints a terminal, bidi marks disguise the name.
    ['CN=x\n,O=a,ST=WA,C=US', /control or invisible character \(U\+000A at position 5\)/],
    ['CN=x\u001b[31m,O=a,ST=WA,C=US', /U\+001B/],
    ['CN=x\u202e,O=a,ST=WA,C=US', /U\+202E/],
    ['CN=x\u200f,O=a,ST=WA,C=US', /U\+200F/],
    ['CN=x\u200b,O=a,ST=WA,C=US', /U\+200B/],
    [`CN=${'x'.repeat(3000)},O=a,ST=WA,C=US`, /at most 1024/],
    [`CN=${'x'.repeat(65)},O=a,ST=WA,C=US`, /CN is 65 characters; X\.509 allows at most 64/],
    // RFC 4514 escaping.
    ['CN=x;y,O=a,ST=WA,C=US', /unescaped ";"/],
    ['CN=<x>,O=a,ST=WA,C=US', /unescaped "<"/],
    ['CN="x",O=a,ST=WA,C=US', /unescaped """/],
    ['CN=x\\q,O=a,ST=WA,C=US', /escapes nothing/],
  ],
);

describe('every free-text answer refuses control and invisible characters', () => {
  it.each([
    ['resourceGroup', validateResourceGroup, 'rg\u202edemo'],
    ['aksName', validateAksName, 'aks\u0007'],
    ['keyVaultName', validateKeyVaultName, 'kv\u200bdemo'],
    ['identityName', validateIdentityName, 'id\u001bx'],
    ['imageSource', validateImageSource, 'https://github.com/a/b.git#ma\u202ein'],
    ['tag', validateTag, 'v1\u200f'],
    ['policyName', validatePolicyName, 'p\u2066x'],
  ] as const)('%s', (_key, validate, value) => {
    expect(validate(value)).toMatch(/control or invisible character/);
  });
});

describe('parseDistinguishedName', () => {
  it('keeps escaped commas inside the value', () => {
    expect(parseDistinguishedName('CN=Wabbit\\, Inc.,O=N,ST=WA,C=US')).toEqual([
      { type: 'CN', value: 'Wabbit, Inc.' },
      { type: 'O', value: 'N' },
      { type: 'ST', value: 'WA' },
      { type: 'C', value: 'US' },
    ]);
  });
});

cases(
  'identityName',
  validateIdentityName,
  ['ratify-identity', 'id_1', '1id'],
  [
    ['id', /at least 3/],
    ['_id1', /start with a letter or digit/],
    ['id.x', /only letters/],
    ['x'.repeat(129), /at most 128/],
    ['-identity', /start with "-"/],
  ],
);

cases(
  'repo/unsignedRepo',
  validateRepository,
  ['net-monitor', 'demo/net-monitor', 'a.b__c', 'a--b'],
  [
    ['Net-Monitor', /lowercase/],
    ['net-monitor:v1', /repository alone/],
    ['myacr.azurecr.io/net-monitor@sha256:abc', /repository alone/],
    ['net-', /lowercase letters and digits/],
    ['a//b', /lowercase letters and digits/],
    ['-net', /start with "-"/],
  ],
);

cases(
  'tag',
  validateTag,
  ['v1', '1.10', '_x', 'V1.2-rc_3', 'x'.repeat(128)],
  [
    ['.v1', /OCI tag/],
    ['v1 ', /OCI tag/],
    ['x'.repeat(129), /OCI tag/],
    ['-v1', /start with "-"/],
  ],
);

cases(
  'imageSource',
  validateImageSource,
  [
    'https://github.com/wabbit-networks/net-monitor.git#main',
    'https://github.com/wabbit-networks/net-monitor.git',
    'https://github.com/org/repo.git#v1.2:src/app',
    'git@github.com:org/repo.git#main',
    './app',
    '/home/me/app',
    'app',
    '.',
  ],
  [
    ['ftp://example.com/repo.tgz', /ftp/],
    ['https://github.com', /repository after the host/],
    ['https://github.com/org/repo.git#-x', /#ref/],
    ['https://github.com/org/repo.git#a b', /whitespace/],
    ['-./app', /start with "-"/],
  ],
);

cases(
  'demoNamespace',
  validateDemoNamespace,
  ['demo', 'demo-1', '1demo', 'x'.repeat(63)],
  [
    ['gatekeeper-system', /must not be gatekeeper-system/],
    ['kube-system', /must not be kube-system/],
    ['Demo', /DNS-1123/],
    ['demo-', /DNS-1123/],
    ['demo_ns', /DNS-1123/],
    ['x'.repeat(64), /at most 63/],
    ['-demo', /start with "-"/],
  ],
);

cases(
  'policyName',
  validatePolicyName,
  ['ratify-default-custom-policy', 'p', 'x'.repeat(64)],
  [
    ['x'.repeat(65), /at most 64/],
    ['policy.name', /only letters/],
    ['-policy', /start with "-"/],
  ],
);

describe('booleans', () => {
  it.each([
    ['true', true],
    ['YES', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['0', false],
    [' No ', false],
  ] as const)('%j -> %j', (text, value) => {
    expect(parseBoolean(text)).toBe(value);
    expect(validateBoolean(text)).toBeUndefined();
  });
  it.each(['maybe', '', 'on', '2'])('rejects %j', (text) => {
    expect(validateBoolean(text)).toMatch(/true or false/);
  });
});
