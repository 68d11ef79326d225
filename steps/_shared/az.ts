/**
 * The az argv builder. Every az call names --subscription, so a step never
 * depends on whatever `az account set` last chose on this machine.
 */
export interface SubscriptionSource {
  output(stepId: string, name: string): string;
}

/**
 * The subscription preflight resolved: the subscriptionId answer when one was given, else the
 * logged-in one. Every step after preflight acts on this value (steps still list subscriptionId
 * in `needs`, so that changing the answer re-checks them).
 */
export function subscriptionOf(ctx: SubscriptionSource): string {
  return ctx.output('preflight', 'subscriptionId');
}

/** `az <args...> --subscription <id>`. */
export function az(subscription: string, ...args: readonly string[]): string[] {
  return ['az', ...args, '--subscription', subscription];
}

/** `-l <location>` when a location answer is given; else Azure uses the resource group's (docs/errata.md#undefined-location). */
export function locationArgs(location: string | undefined): string[] {
  const value = location?.trim();
  return value ? ['-l', value] : [];
}

/** `--tags ratify-runbook-run=<runId>`: every resource the runbook creates carries it. */
export function tagArgs(runTag: string): string[] {
  return ['--tags', runTag];
}
