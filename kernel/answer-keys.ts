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

export function isAnswerKey(key: string): key is AnswerKey {
  return (answerKeys as readonly string[]).includes(key);
}

/** `keyVaultName` -> `RATIFY_RUNBOOK_KEY_VAULT_NAME`. */
export function envVarFor(key: AnswerKey): string {
  return `RATIFY_RUNBOOK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
