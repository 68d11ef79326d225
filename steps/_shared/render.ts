import { parseDocument } from 'yaml';
import { readTemplate } from './templates.js';

/** templates/certificate-policy.json with the subject substituted (as data, so any DN stays valid JSON). */
export async function renderCertificatePolicy(subject: string): Promise<string> {
  const policy = JSON.parse(await readTemplate('certificate-policy.json')) as { x509CertificateProperties: { subject: string } };
  policy.x509CertificateProperties.subject = subject;
  return `${JSON.stringify(policy, null, 2)}\n`;
}

export interface RatifyValuesInput {
  readonly identityClientId: string;
  readonly vaultUri: string;
  readonly tenantId: string;
  readonly certName: string;
  /** `<acrName>.azurecr.io/<repo>`, no tag (docs/troubleshooting.md#no-applicable-trust-policy). */
  readonly registryScope: string;
  readonly certSubject: string;
}

/**
 * templates/ratify-values.yaml with the run's values, through the yaml package: a subject
 * such as `CN=a,O=b,ST=WA,C=US` stays one string (`--set` cuts it: docs/errata.md#set-splits-commas).
 */
export async function renderRatifyValues(input: RatifyValuesInput): Promise<string> {
  const doc = parseDocument(await readTemplate('ratify-values.yaml'));
  doc.setIn(['azureWorkloadIdentity', 'clientId'], input.identityClientId);
  doc.setIn(['azurekeyvault', 'vaultURI'], input.vaultUri);
  doc.setIn(['azurekeyvault', 'tenantId'], input.tenantId);
  doc.setIn(['azurekeyvault', 'certificates', 0, 'name'], input.certName);
  doc.setIn(['notation', 'trustPolicies', 0, 'registryScopes'], doc.createNode([input.registryScope]));
  doc.setIn(['notation', 'trustPolicies', 0, 'trustedIdentities'], doc.createNode([`x509.subject: ${input.certSubject}`]));
  return doc.toString();
}

export interface PolicyDefinitionParts {
  readonly mode: string;
  readonly rules: unknown;
  readonly params: unknown;
}

/** templates/policy-definition.json split into what `az policy definition create` takes. */
export async function renderPolicyDefinition(): Promise<PolicyDefinitionParts> {
  const definition = JSON.parse(await readTemplate('policy-definition.json')) as { mode: string; policyRule: unknown; parameters: unknown };
  return { mode: definition.mode, rules: definition.policyRule, params: definition.parameters };
}

/** The assignment's parameters: the effect, and the policy confined to the demo namespace (docs/errata.md#policy-scope). */
export function assignmentParams(effect: string, namespace: string): Record<string, { value: unknown }> {
  return { effect: { value: effect }, namespaces: { value: [namespace] } };
}

/** templates/demo-namespace.yaml with the name and the run label. */
export async function renderNamespace(name: string, runTag: string): Promise<string> {
  const doc = parseDocument(await readTemplate('demo-namespace.yaml'));
  const [key = 'ratify-runbook-run', value = ''] = runTag.split('=');
  doc.setIn(['metadata', 'name'], name);
  // Quoted: a run id such as 12345678 must stay a string (label values are strings).
  const labels = doc.createNode({ [key]: value });
  for (const pair of (labels as { items: { value: { type?: string } }[] }).items) pair.value.type = 'QUOTE_DOUBLE';
  doc.setIn(['metadata', 'labels'], labels);
  return doc.toString();
}

export function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
