/**
 * The answer keys: camelCase in answers.yaml,
 * RATIFY_RUNBOOK_<UPPER_SNAKE> in the environment, `--set key=value` on the command line.
 */
export const answerKeys = [
  'subscriptionId',
  'location',
  'resourceGroup',
  'aksName',
  'acrName',
  'keyVaultName',
  'keyVaultAuth',
  'certName',
  'certSubject',
  'identityName',
  'repo',
  'unsignedRepo',
  'tag',
  'imageSource',
  'unsignedImageSource',
  'demoNamespace',
  'policyName',
  'policyEffect',
  'ratifyChartVersion',
  'cleanupImageIntegrity',
  'createBaseResources',
] as const;

export type AnswerKey = (typeof answerKeys)[number];

/** Booleans are kept as real booleans; everything else is a string. */
export type BooleanAnswerKey = 'cleanupImageIntegrity' | 'createBaseResources';
export type AnswerValue<K extends AnswerKey> = K extends BooleanAnswerKey ? boolean : string;
export type Answers = { [K in AnswerKey]: AnswerValue<K> };

/**
 * Answers a person may leave empty because the run resolves them: preflight reads the
 * logged-in subscription, and Azure puts new resources in the resource group's region.
 */
export const optionalAnswerKeys = ['subscriptionId', 'location'] as const satisfies readonly AnswerKey[];
export type OptionalAnswerKey = (typeof optionalAnswerKeys)[number];

/** The answers a step declared: every one present, except the optional ones, which may be undefined. */
export type StepAnswers<N extends AnswerKey> = { readonly [K in Exclude<N, OptionalAnswerKey>]: AnswerValue<K> } & {
  readonly [K in Extract<N, OptionalAnswerKey>]?: AnswerValue<K>;
};

export function isOptionalAnswer(key: AnswerKey): key is OptionalAnswerKey {
  return (optionalAnswerKeys as readonly AnswerKey[]).includes(key);
}

/**
 * Picks a step's answers and checks that every required one is there (answer collection
 * guarantees it for the steps that run; a gap is a bug, named here rather than as "undefined"
 * in a command line later).
 */
export function pickStepAnswers<N extends AnswerKey>(stepId: string, needs: readonly N[], answers: Partial<Answers>): StepAnswers<N> {
  const missing = needs.filter((key) => answers[key] === undefined && !isOptionalAnswer(key));
  if (missing.length > 0) throw new Error(`Step "${stepId}" needs the answer(s) ${missing.join(', ')}, which were not collected.`);
  const picked: Partial<Record<AnswerKey, AnswerValue<AnswerKey>>> = {};
  for (const key of needs) if (answers[key] !== undefined) picked[key] = answers[key];
  // Checked above: every required key is present, with the value type its key demands.
  return picked as StepAnswers<N>;
}

export function isAnswerKey(key: string): key is AnswerKey {
  return (answerKeys as readonly string[]).includes(key);
}

/** `keyVaultName` -> `RATIFY_RUNBOOK_KEY_VAULT_NAME`. */
export function envVarFor(key: AnswerKey): string {
  return `RATIFY_RUNBOOK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
