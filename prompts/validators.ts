import { ratifyChartProblem, type DeniedChartVersion } from '../kernel/ratify-chart.js';

/**
 * One validator per rule an answer must follow. A validator returns undefined when the value is
 * valid, or one message that says what is wrong and what a valid value looks like. The same
 * functions check the answers file, the environment, `--set` and the prompts, so none of those
 * paths can accept a value another one refuses (copier#2143: validators skipped for defaults).
 *
 * Validators are pure and never echo the value back: the caller decides whether a value may be
 * shown (a secret answer must not be).
 */
export type Validator = (value: string) => string | undefined;

/**
 * No free-text answer may start with `-`. Answers end up as argv elements
 * (`az ... --name <value>`); a leading dash would be read as a flag by az, helm or kubectl.
 */
export function rejectLeadingDash(value: string): string | undefined {
  return value.startsWith('-') ? 'must not start with "-" (a command would read it as a flag).' : undefined;
}

/** Control characters, and invisible or direction-changing ones (RLO, RLM, zero-width space...). */
const unprintable = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/;

/** A character no answer may hold: it would act on a terminal or hide what the value says. */
export function rejectUnprintable(value: string): string | undefined {
  const hidden = unprintable.exec(value);
  if (!hidden) return undefined;
  const code = hidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `contains a control or invisible character (U+${code} at position ${hidden.index + 1}); type it as plain text.`;
}

/** Runs the dash and printable rules first, then the specific rule: every free-text validator is built with it. */
function freeText(rule: Validator): Validator {
  return (value) => {
    if (value.length === 0) return 'must not be empty.';
    return rejectLeadingDash(value) ?? rejectUnprintable(value) ?? rule(value);
  };
}

function lengthBetween(value: string, min: number, max: number): string | undefined {
  if (value.length < min) return `is ${value.length} characters; it needs at least ${min}.`;
  if (value.length > max) return `is ${value.length} characters; at most ${max} are allowed.`;
  return undefined;
}

const startsAlnum = /^[A-Za-z0-9]/;
const endsAlnum = /[A-Za-z0-9]$/;

export const validateSubscriptionId: Validator = freeText((value) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? undefined
    : 'must be a subscription GUID like 00000000-0000-0000-0000-000000000000 (az account show --query id -o tsv).',
);

/**
 * Region *names* (`westeurope`), not display names (`West Europe`): az accepts both in some
 * commands but ARM ids, the sandbox and comparisons with `az group show` use the name.
 */
export const validateLocation: Validator = freeText((value) => {
  if (/^[a-z][a-z0-9]{1,39}$/.test(value)) return undefined;
  const guess = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  const hint = /^[a-z][a-z0-9]{1,39}$/.test(guess) ? ` Did you mean "${guess}"?` : '';
  return `must be an Azure region name: lowercase letters and digits, like westeurope or eastus2 (az account list-locations -o table).${hint}`;
});

/** @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources */
export const validateResourceGroup: Validator = freeText((value) => {
  const length = lengthBetween(value, 1, 90);
  if (length) return `${length} Example: rg-ratify-demo.`;
  if (!/^[\p{L}\p{N}_\-.()]+$/u.test(value)) {
    return 'may contain only letters, digits, "_", "-", ".", "(" and ")". Example: rg-ratify-demo.';
  }
  if (value.endsWith('.')) return 'must not end with ".". Example: rg-ratify-demo.';
  return undefined;
});

/** @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftcontainerservice */
export const validateAksName: Validator = freeText((value) => {
  const length = lengthBetween(value, 1, 63);
  if (length) return `${length} Example: aks-ratify-demo.`;
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return 'may contain only letters, digits, "-" and "_". Example: aks-ratify-demo.';
  if (!startsAlnum.test(value) || !endsAlnum.test(value)) {
    return 'must start and end with a letter or digit. Example: aks-ratify-demo.';
  }
  return undefined;
});

/** ACR names are globally unique and become `<name>.azurecr.io`, hence no dashes at all. */
export const validateAcrName: Validator = freeText((value) => {
  if (!/^[A-Za-z0-9]+$/.test(value)) {
    return 'may contain only letters and digits (no "-", "_" or "."). Example: acrratifydemo01.';
  }
  const length = lengthBetween(value, 5, 50);
  return length ? `${length} Example: acrratifydemo01.` : undefined;
});

/** @see https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning */
export const validateKeyVaultName: Validator = freeText((value) => {
  const example = ' Example: kv-ratify-demo01.';
  const length = lengthBetween(value, 3, 24);
  if (length) return length + example;
  if (!/^[A-Za-z0-9-]+$/.test(value)) return `may contain only letters, digits and "-".${example}`;
  if (!/^[A-Za-z]/.test(value)) return `must start with a letter.${example}`;
  if (!endsAlnum.test(value)) return `must end with a letter or digit.${example}`;
  if (value.includes('--')) return `must not contain "--" (two dashes in a row).${example}`;
  return undefined;
});

function oneOf(choices: readonly string[]): Validator {
  return (value) => (choices.includes(value) ? undefined : `must be ${choices.map((c) => `"${c}"`).join(' or ')}.`);
}

export const validateKeyVaultAuth: Validator = oneOf(['rbac', 'access-policy']);
export const validatePolicyEffect: Validator = oneOf(['Deny', 'Audit']);

/**
 * The runbook writes the 1.15 line's values keys; another line would silently ignore them. A patch
 * on the deny-list is refused with its upstream reason.
 */
export const validateRatifyChartVersion: Validator = (value) => ratifyChartProblem(value);

/** The same rule with another deny-list (tests inject one). */
export const ratifyChartVersionValidator =
  (denied: readonly DeniedChartVersion[]): Validator =>
  (value) =>
    ratifyChartProblem(value, denied);

export const validateCertName: Validator = freeText((value) => {
  const length = lengthBetween(value, 1, 127);
  if (length) return `${length} Example: wabbit-networks-io.`;
  return /^[A-Za-z0-9-]+$/.test(value) ? undefined : 'may contain only letters, digits and "-". Example: wabbit-networks-io.';
});

export interface DnAttribute {
  readonly type: string;
  readonly value: string;
}

/**
 * Splits an RFC 4514 string DN into attributes. Backslash escapes (`\,`, `\+`, `\\`, `\2C`) keep
 * their character inside the value. Returns a message instead when the DN cannot be parsed or
 * uses a multi-valued RDN (`O=a+OU=b`), which Notary Project trust policies reject.
 */
export function parseDistinguishedName(dn: string): DnAttribute[] | string {
  const attributes: DnAttribute[] = [];
  let current = '';
  const flush = (): string | undefined => {
    const equals = findUnescaped(current, '=');
    if (equals < 0) return `"${shorten(current)}" is not TYPE=value.`;
    const type = current.slice(0, equals).trim();
    const value = unescapeDnValue(current.slice(equals + 1).trim());
    if (!/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/.test(type)) return `"${shorten(type)}" is not an attribute type.`;
    if (value.length === 0) return `${type} has an empty value.`;
    attributes.push({ type, value });
    current = '';
    return undefined;
  };
  for (let i = 0; i < dn.length; i++) {
    const char = dn[i];
    if (char === '\\') {
      // RFC 4514: a backslash escapes a special character or gives two hex digits.
      const escaped = dn.slice(i + 1, i + 3);
      if (!/^[ "#+,;<=>\\]/.test(escaped) && !/^[0-9A-Fa-f]{2}$/.test(escaped)) {
        return 'has a "\\" that escapes nothing (RFC 4514: write \\, \\+ \\; \\" \\\\ or two hex digits).';
      }
      current += dn.slice(i, i + (/^[0-9A-Fa-f]{2}$/.test(escaped) ? 3 : 2));
      i += /^[0-9A-Fa-f]{2}$/.test(escaped) ? 2 : 1;
      continue;
    }
    if (char === '+') return 'uses a multi-valued RDN ("+"), which Notary Project trust policies reject; use "," between attributes.';
    if (char === '"' || char === ';' || char === '<' || char === '>') {
      return `has an unescaped "${char}" (RFC 4514: escape it as "\\${char}", or leave it out).`;
    }
    if (char === ',') {
      const problem = flush();
      if (problem) return problem;
      continue;
    }
    current += char;
  }
  const problem = flush();
  return problem ?? attributes;
}

function findUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function unescapeDnValue(value: string): string {
  return value.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(Number.parseInt(escaped, 16)) : escaped,
  );
}

function shorten(text: string): string {
  return text.length > 30 ? `${text.slice(0, 27)}...` : text;
}

/**
 * Notary Project trust policies require C, ST and O in the trusted identity's subject and reject
 * duplicate attributes; Ratify's `trustedIdentities: ["x509.subject: <certSubject>"]` inherits that.
 */
/** RFC 5280's upper bounds for the attributes a subject usually has (C is exactly two letters). */
const ATTRIBUTE_MAX: Readonly<Record<string, number>> = { CN: 64, O: 64, OU: 64, L: 128, ST: 128, SERIALNUMBER: 64, EMAILADDRESS: 255 };
const DN_MAX = 1024;

/** Printable (freeText), RFC 4514 escaping, C, ST and O once each, X.509 lengths. */
export const validateCertSubject: Validator = freeText((value) => {
  const example = ' Example: CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US.';
  if (value.length > DN_MAX) return `is ${value.length} characters; a subject of at most ${DN_MAX} is expected.${example}`;
  const parsed = parseDistinguishedName(value);
  if (typeof parsed === 'string') return `is not an X.509 distinguished name: ${parsed}${example}`;
  const seen = new Set<string>();
  for (const { type } of parsed) {
    const upper = type.toUpperCase();
    if (seen.has(upper)) return `has ${type} twice; Notary Project trust policies need each attribute once.${example}`;
    seen.add(upper);
  }
  const absent = ['C', 'ST', 'O'].filter((type) => !seen.has(type));
  if (absent.length > 0) {
    return `must contain C, ST and O (Notary Project trust policies require them); ${absent.join(', ')} missing.${example}`;
  }
  const country = parsed.find((attribute) => attribute.type.toUpperCase() === 'C');
  if (country && !/^[A-Za-z]{2}$/.test(country.value)) return `C must be a two-letter country code.${example}`;
  for (const { type, value: text } of parsed) {
    const max = ATTRIBUTE_MAX[type.toUpperCase()];
    if (max !== undefined && text.length > max) return `${type} is ${text.length} characters; X.509 allows at most ${max}.${example}`;
  }
  return undefined;
});

/** @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftmanagedidentity */
export const validateIdentityName: Validator = freeText((value) => {
  const length = lengthBetween(value, 3, 128);
  if (length) return `${length} Example: ratify-identity.`;
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return 'may contain only letters, digits, "-" and "_". Example: ratify-identity.';
  return startsAlnum.test(value) ? undefined : 'must start with a letter or digit. Example: ratify-identity.';
});

/** The OCI distribution spec's repository name grammar: lowercase components joined by "/". */
const ociComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const ociRepository = new RegExp(`^${ociComponent}(?:/${ociComponent})*$`);

export const validateRepository: Validator = freeText((value) => {
  const example = ' Example: net-monitor or demo/net-monitor.';
  if (value.includes(':') || value.includes('@')) {
    return `must be the repository alone, without registry, tag or digest (the tag is its own answer).${example}`;
  }
  if (value.length > 255) return `is ${value.length} characters; at most 255 are allowed.${example}`;
  if (/[A-Z]/.test(value)) return `must be lowercase.${example}`;
  return ociRepository.test(value)
    ? undefined
    : `must be lowercase letters and digits, separated by ".", "_", "__" or "-", with "/" between path components.${example}`;
});

export const validateTag: Validator = freeText((value) =>
  /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(value)
    ? undefined
    : 'must be an OCI tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-". Example: v1.',
);

/**
 * `az acr build` takes a git URL (`https://host/org/repo.git#ref[:folder]`) or a local build
 * context directory. This checks the syntax; that a local path is a directory holding a
 * Dockerfile is checked on disk when the answers are collected (build-context.ts): a validator
 * stays pure so the file and the prompt agree on every machine.
 */
export const validateImageSource: Validator = freeText((value) => {
  const example = ' Example: https://github.com/wabbit-networks/net-monitor.git#main or ./app.';
  if (/[\s\0]/.test(value)) return `must not contain whitespace.${example}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  const scpLike = /^[\w.-]+@[\w.-]+:/.test(value);
  if (scheme === undefined && !scpLike) return undefined; // a local build context path
  if (scheme !== undefined && !['https', 'http', 'ssh', 'git'].includes(scheme)) {
    return `must be a git URL (https://, ssh://, git://, git@host:path) or a local path; "${scheme}://" is neither.${example}`;
  }
  const hash = value.indexOf('#');
  const location = hash < 0 ? value : value.slice(0, hash);
  const ref = hash < 0 ? undefined : value.slice(hash + 1);
  if (scheme !== undefined) {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return `is not a valid URL.${example}`;
    }
    if (!url.hostname || url.pathname.replace(/\//g, '').length === 0) {
      return `must name a repository after the host.${example}`;
    }
  }
  if (ref !== undefined) {
    // `#ref` or `#ref:folder`; a ref cannot contain the characters git forbids or start with "-".
    if (!/^[^\s~^?*[\\:#-][^\s~^?*[\\:#]*(?::[^\s#]*)?$/.test(ref)) {
      return `has an invalid "#ref[:folder]" part after "#".${example}`;
    }
  }
  return undefined;
});

const reservedNamespaces = ['kube-system', 'gatekeeper-system'];

/** The policy never applies to kube-system and gatekeeper-system, so a demo there proves nothing. */
export const validateDemoNamespace: Validator = freeText((value) => {
  const example = ' Example: demo.';
  if (value.length > 63) return `is ${value.length} characters; at most 63 are allowed.${example}`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    return `must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit.${example}`;
  }
  if (reservedNamespaces.includes(value)) {
    return `must not be ${value}: the policy always excludes ${reservedNamespaces.join(' and ')}, so the demo would prove nothing.${example}`;
  }
  return undefined;
});

export const validatePolicyName: Validator = freeText((value) => {
  const length = lengthBetween(value, 1, 64);
  if (length) return `${length} Example: ratify-default-custom-policy.`;
  return /^[A-Za-z0-9_-]+$/.test(value)
    ? undefined
    : 'may contain only letters, digits, "-" and "_". Example: ratify-default-custom-policy.';
});

const booleanWords: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

/** true/false/yes/no/1/0, any case: the forms people type in YAML, env files and shells. */
export function parseBoolean(value: string): boolean | undefined {
  return booleanWords[value.trim().toLowerCase()];
}

export const validateBoolean: Validator = (value) =>
  parseBoolean(value) === undefined ? 'must be true or false (yes/no and 1/0 work too).' : undefined;
