/** A resource a step created, kept in the ledger so teardown removes it by id later. */
export interface CreatedResource {
  /** e.g. keyVault, certificate, roleAssignment, identity, federatedCredential, acrRepository, acrImage,
   *  helmRelease, policyDefinition, policyAssignment, namespace, accessPolicy, aksFeature */
  readonly kind: string;
  /** The Azure resource id, or another unique handle (release name + namespace, ...). */
  readonly id: string;
  /** Anything teardown needs besides the id (vault name, namespace, object id...). */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * How to find, after a crash, a resource a mutating command may have created: one ARM GET,
 * or one read command whose output is the resource (its query carries any check of the run's
 * mark). Stored in the ledger, so the engine can evaluate it without the step's code.
 */
export type CreateGuard =
  | {
      readonly kind: 'arm';
      readonly id: string;
      readonly apiVersion: string;
      /**
       * The run's mark it must carry to be adopted: its `ratify-runbook-run` tag, or the marker
       * in its description (kinds that take no tags); 'none' for kinds with no mark at all.
       */
      readonly mark: 'tag' | 'description' | 'none';
    }
  | {
      readonly kind: 'read';
      readonly argv: readonly string[];
      /** When set, the output must contain this line (the run's id read back) to be adopted. */
      readonly expect?: string;
    };

/**
 * Write-ahead record: saved (and awaited) in the ledger before the mutating command that may
 * create the resource, and only after a read found nothing there. On resume or teardown its
 * guard decides whether the command got as far as creating it.
 */
export interface PendingCreate {
  readonly kind: string;
  /** Known beforehand for most kinds; undefined when Azure names it (a role assignment). */
  readonly id?: string;
  readonly details?: Readonly<Record<string, string>>;
  readonly guard: CreateGuard;
}
