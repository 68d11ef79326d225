/** A resource a step created, kept in the ledger so teardown removes it by id later. */
export interface CreatedResource {
  /** e.g. keyVault, certificate, roleAssignment, identity, federatedCredential, acrRepository,
   *  helmRelease, policyDefinition, policyAssignment, namespace, accessPolicy, aksFeature */
  readonly kind: string;
  /** The Azure resource id, or another unique handle (release name + namespace, ...). */
  readonly id: string;
  /** Anything teardown needs besides the id (vault name, namespace, object id...). */
  readonly details?: Readonly<Record<string, string>>;
}
