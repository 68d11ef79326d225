/**
 * The questions, as data: one per answer key. Everything that asks, loads, reports or saves an
 * answer reads it from here, so the file, the environment, `--set` and the prompt share one
 * message, one default and one validator per key.
 */
import type { AnswerKey } from '../kernel/answer-keys.js';
import { DEFAULT_RATIFY_CHART } from '../kernel/ratify-chart.js';
import {
  validateAcrName,
  validateAksName,
  validateBoolean,
  validateCertName,
  validateCertSubject,
  validateDemoNamespace,
  validateIdentityName,
  validateImageSource,
  validateKeyVaultAuth,
  validateKeyVaultName,
  validateLocation,
  validatePolicyEffect,
  validatePolicyName,
  validateRatifyChartVersion,
  validateRepository,
  validateResourceGroup,
  validateSubscriptionId,
  validateTag,
} from './validators.js';
import type { Validator } from './validators.js';
import { dockerBuildContext, type DiskCheck } from './build-context.js';

/** A value of any answer: booleans stay booleans, everything else is a string. */
export type AnswerScalar = string | boolean;

/** What a derived default sees: the answers known so far (explicit ones, then earlier defaults). */
export type KnownAnswers = Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;

export type DefaultOf<V> = V | ((known: KnownAnswers) => V | undefined);

interface QuestionBase {
  readonly key: AnswerKey;
  /** The prompt line. */
  readonly message: string;
  /** One or two sentences: what it is and why the runbook needs it. */
  readonly help: string;
  /** A valid value shown in reports and in the workshop template. */
  readonly example: string;
  /** Never saved to answers.yaml, never shown back (table, reports), typed without echo. */
  readonly secret?: boolean;
  /**
   * Set when an absent answer is fine because the run resolves it (e.g. the logged-in
   * subscription); the text says what is used instead. Such a key is never "missing".
   */
  readonly optional?: string;
}

export interface StringQuestion extends QuestionBase {
  readonly kind: 'string';
  readonly default?: DefaultOf<string>;
  readonly validate: Validator;
  /** What only this machine can tell (a path exists); may return the value normalized. */
  readonly checkOnDisk?: DiskCheck;
}

export interface ChoiceQuestion extends QuestionBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default?: DefaultOf<string>;
  readonly validate: Validator;
}

export interface BooleanQuestion extends QuestionBase {
  readonly kind: 'boolean';
  readonly default?: DefaultOf<boolean>;
  readonly validate: Validator;
}

export type Question = StringQuestion | ChoiceQuestion | BooleanQuestion;

/** Keys in the order they are asked and their defaults derived: a key comes after those its default reads. */
export type QuestionSet = readonly Question[];

const blogRepo = 'net-monitor';

/** The blog signs net-monitor and shows net-watcher being denied; other repos get a `-unsigned` twin. */
function unsignedRepoFor(known: KnownAnswers): string | undefined {
  const repo = known.repo;
  if (typeof repo !== 'string') return undefined;
  return repo === blogRepo ? 'net-watcher' : `${repo}-unsigned`;
}

/** `CN=wabbit-networks.io,...` -> `wabbit-networks-io`, the certificate name the Learn docs use. */
function certNameFor(known: KnownAnswers): string | undefined {
  const subject = known.certSubject;
  if (typeof subject !== 'string') return undefined;
  const cn = /(?:^|,)\s*CN=((?:\\.|[^,])+)/i.exec(subject)?.[1];
  const name = cn
    ?.replace(/\\(.)/g, '$1')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 127);
  return name ? name : undefined;
}

/**
 * Key Vault names are globally unique like ACR names; deriving one from the ACR name (already
 * unique) makes a collision unlikely. `kv` keeps the "starts with a letter" rule.
 */
function keyVaultNameFor(known: KnownAnswers): string | undefined {
  const acr = known.acrName;
  if (typeof acr !== 'string' || !/^[A-Za-z0-9]+$/.test(acr)) return undefined;
  return `kv${acr.toLowerCase()}`.slice(0, 24);
}

export const questions: QuestionSet = [
  {
    key: 'createBaseResources',
    kind: 'boolean',
    default: false,
    validate: validateBoolean,
    example: 'false',
    message: 'Create the resource group, ACR and AKS cluster too?',
    help: "The blog starts from part 3's resource group, registry and cluster. Say yes only when they do not exist yet; the runbook then creates them first.",
  },
  {
    key: 'subscriptionId',
    kind: 'string',
    validate: validateSubscriptionId,
    example: '00000000-0000-0000-0000-000000000000',
    optional: 'the subscription `az account show` reports',
    message: 'Azure subscription id',
    help: 'The subscription every az command names with --subscription, so a later `az account set` cannot redirect the run. Leave it empty to use the logged-in one.',
  },
  {
    key: 'resourceGroup',
    kind: 'string',
    validate: validateResourceGroup,
    example: 'rg-ratify-demo',
    message: 'Resource group',
    help: 'The resource group that holds the AKS cluster and the registry; the Key Vault and the identity are created in it too.',
  },
  {
    key: 'location',
    kind: 'string',
    validate: validateLocation,
    example: 'westeurope',
    optional: "the resource group's location",
    message: 'Azure region for new resources',
    help: "Where the Key Vault and the managed identity are created. Leave it empty to use the resource group's region.",
  },
  {
    key: 'aksName',
    kind: 'string',
    validate: validateAksName,
    example: 'aks-ratify-demo',
    message: 'AKS cluster name',
    help: 'The cluster where Ratify is installed and the policy denies unsigned images.',
  },
  {
    key: 'acrName',
    kind: 'string',
    validate: validateAcrName,
    example: 'acrratifydemo01',
    message: 'Container registry (ACR) name',
    help: 'The registry (without .azurecr.io) the images are built into and signed in; Ratify pulls signatures from it.',
  },
  {
    key: 'keyVaultName',
    kind: 'string',
    validate: validateKeyVaultName,
    default: keyVaultNameFor,
    example: 'kv-ratify-demo01',
    message: 'Key Vault name',
    help: 'The vault that holds the signing certificate. The name is global across Azure, and a deleted vault keeps it reserved until purged.',
  },
  {
    key: 'keyVaultAuth',
    kind: 'choice',
    choices: ['rbac', 'access-policy'],
    default: 'rbac',
    validate: validateKeyVaultAuth,
    example: 'rbac',
    message: 'Key Vault permission model',
    help: "rbac grants access with Azure role assignments (the default for new vaults); access-policy uses the vault's own access policies, as the blog did.",
  },
  {
    key: 'certSubject',
    kind: 'string',
    validate: validateCertSubject,
    default: 'CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US',
    example: 'CN=wabbit-networks.io,O=Notation,L=Seattle,ST=WA,C=US',
    message: 'Signing certificate subject (X.509 DN)',
    help: 'The subject of the self-signed signing certificate. Ratify trusts signatures whose certificate has exactly this subject, and Notary Project trust policies require C, ST and O in it.',
  },
  {
    key: 'certName',
    kind: 'string',
    validate: validateCertName,
    default: certNameFor,
    example: 'wabbit-networks-io',
    message: 'Certificate name in the Key Vault',
    help: 'The name of the signing certificate inside the vault; notation signs with its key and Ratify fetches it by this name.',
  },
  {
    key: 'identityName',
    kind: 'string',
    validate: validateIdentityName,
    default: 'ratify-identity',
    example: 'ratify-identity',
    message: 'Managed identity for Ratify',
    help: 'The user-assigned identity Ratify runs as (workload identity): it reads the certificate from the vault and pulls signatures from the registry.',
  },
  {
    key: 'repo',
    kind: 'string',
    validate: validateRepository,
    default: blogRepo,
    example: 'net-monitor',
    message: 'Repository of the signed image',
    help: 'The ACR repository the signed demo image is built into; the signed pod runs this image.',
  },
  {
    key: 'unsignedRepo',
    kind: 'string',
    validate: validateRepository,
    default: unsignedRepoFor,
    example: 'net-watcher',
    message: 'Repository of the unsigned image',
    help: 'A second repository with an image that is never signed: the demo shows the policy denying it.',
  },
  {
    key: 'tag',
    kind: 'string',
    validate: validateTag,
    default: 'v1',
    example: 'v1',
    message: 'Image tag',
    help: 'The tag of both demo images. Signing is by digest, so re-using a tag never makes a signature cover a different image.',
  },
  {
    key: 'imageSource',
    kind: 'string',
    validate: validateImageSource,
    checkOnDisk: dockerBuildContext,
    default: 'https://github.com/wabbit-networks/net-monitor.git#main',
    example: 'https://github.com/wabbit-networks/net-monitor.git#main',
    message: 'Build context of the signed image',
    help: 'What `az acr build` builds the signed image from: a git URL with an optional #ref, or a local directory holding a Dockerfile.',
  },
  {
    key: 'unsignedImageSource',
    kind: 'string',
    validate: validateImageSource,
    checkOnDisk: dockerBuildContext,
    default: 'https://github.com/wabbit-networks/net-watcher.git#main',
    example: 'https://github.com/wabbit-networks/net-watcher.git#main',
    message: 'Build context of the unsigned image',
    help: 'What `az acr build` builds the unsigned comparison image from: a git URL (optional #ref) or a directory with a Dockerfile.',
  },
  {
    key: 'demoNamespace',
    kind: 'string',
    validate: validateDemoNamespace,
    default: 'demo',
    example: 'demo',
    message: 'Namespace for the demo pods',
    help: 'The policy is confined to this namespace so other workloads keep running; the signed and unsigned pods are started here.',
  },
  {
    key: 'policyName',
    kind: 'string',
    validate: validatePolicyName,
    default: 'ratify-default-custom-policy',
    example: 'ratify-default-custom-policy',
    message: 'Azure Policy definition name',
    help: 'The name of the custom policy definition and of its assignment on the cluster; unique per subscription.',
  },
  {
    key: 'policyEffect',
    kind: 'choice',
    choices: ['Deny', 'Audit'],
    default: 'Deny',
    validate: validatePolicyEffect,
    example: 'Deny',
    message: 'Policy effect',
    help: 'Deny blocks unsigned images at admission; Audit admits them and reports them as violations, a gentler first step on a shared cluster.',
  },
  {
    key: 'ratifyChartVersion',
    kind: 'choice',
    choices: [DEFAULT_RATIFY_CHART],
    default: DEFAULT_RATIFY_CHART,
    validate: validateRatifyChartVersion,
    example: DEFAULT_RATIFY_CHART,
    message: 'Ratify Helm chart version',
    help:
      `The Ratify chart installed in gatekeeper-system: ${DEFAULT_RATIFY_CHART}, or another 1.15.x patch (the same values keys) ` +
      'that is not known to break this setup (set it in the answers file or with --set).',
  },
  {
    key: 'cleanupImageIntegrity',
    kind: 'boolean',
    default: true,
    validate: validateBoolean,
    example: 'true',
    message: 'Remove the Image Integrity preview first?',
    help: 'Part 3 of the blog enabled Image Integrity, whose managed Ratify conflicts with the one installed here. Yes removes its assignment and disables it; no leaves it alone.',
  },
];

export function questionFor(key: AnswerKey, set: QuestionSet = questions): Question {
  const question = set.find((q) => q.key === key);
  // NOTE: a key without a question is a programming error (answer-keys.ts and this list disagree).
  if (!question) throw new Error(`No question for answer key "${key}"`);
  return question;
}

/** The default for a key given the answers known so far; a function default may have none yet. */
export function defaultFor(question: Question, known: KnownAnswers): AnswerScalar | undefined {
  const value = question.default;
  return typeof value === 'function' ? value(known) : value;
}
