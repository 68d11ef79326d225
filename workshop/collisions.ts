/**
 * Names two attendees must not share (hosted labs break for concurrent users until every name
 * carries a per-user part: two users in one subscription overwrite each other's resource
 * group). Azure compares these names case-insensitively, so do we.
 */
import type { AnswerKey } from '../kernel/answer-keys.js';
import type { AnswerScalar } from '../prompts/questions.js';

export interface NamedAttendee {
  readonly id: string;
  /** The effective answers (template values plus question defaults). */
  readonly values: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;
}

interface Rule {
  readonly keys: readonly AnswerKey[];
  readonly scope: 'global' | 'subscription';
  readonly why: string;
  /** Only attendees for which this holds take part (e.g. only those whose run creates the group). */
  readonly when?: (values: NamedAttendee['values']) => boolean;
}

export const collisionRules: readonly Rule[] = [
  { keys: ['keyVaultName'], scope: 'global', why: 'Key Vault names are global across Azure' },
  { keys: ['acrName'], scope: 'global', why: 'registry names are global across Azure (<name>.azurecr.io)' },
  { keys: ['policyName'], scope: 'subscription', why: 'policy definition names are unique per subscription' },
  {
    keys: ['resourceGroup', 'aksName'],
    scope: 'subscription',
    why: 'a cluster name is unique in its resource group, and Ratify and the policy are cluster-wide',
  },
  { keys: ['resourceGroup', 'identityName'], scope: 'subscription', why: 'a managed identity name is unique in its resource group' },
  {
    keys: ['resourceGroup'],
    scope: 'subscription',
    why: 'with createBaseResources: true each attendee creates (and teardown deletes) its own resource group',
    when: (values) => values.createBaseResources === true,
  },
];

/** One message per shared name, naming every attendee that shares it. */
export function findCollisions(attendees: readonly NamedAttendee[]): string[] {
  const problems: string[] = [];
  for (const rule of collisionRules) {
    const groups = new Map<string, { shown: string; scope: string; ids: string[] }>();
    for (const attendee of attendees) {
      if (rule.when && !rule.when(attendee.values)) continue;
      const parts = rule.keys.map((key) => attendee.values[key]);
      if (parts.some((part) => typeof part !== 'string' || part === '')) continue;
      // An attendee without a subscription runs in the host's logged-in one: they share it.
      const subscription = String(attendee.values.subscriptionId ?? '').toLowerCase();
      const scope = rule.scope === 'global' ? '' : subscription;
      const key = `${scope}\u0000${parts.map((p) => String(p).toLowerCase()).join('\u0000')}`;
      const group = groups.get(key) ?? {
        shown: rule.keys.map((k, i) => `${k} "${String(parts[i])}"`).join(' + '),
        scope: subscription,
        ids: [],
      };
      group.ids.push(attendee.id);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      if (group.ids.length < 2) continue;
      const where = rule.scope === 'global' ? '' : group.scope ? ` in subscription ${group.scope}` : " in the host's subscription";
      problems.push(
        `${group.shown} is shared by ${group.ids.map((id) => `"${id}"`).join(', ')}${where}: ${rule.why}. Put {{hash}}, {{suffix}} or {{slug attendee.id}} in it.`,
      );
    }
  }
  return problems;
}
