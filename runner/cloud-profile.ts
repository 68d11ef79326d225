import type { TokenCredential } from '@azure/identity';

/**
 * The one object that differs between a real run and a sandbox run (DESIGN.md, "cloud
 * profile"). It is built once in cli/ and injected; nothing else may branch on "is this
 * the sandbox".
 */
export interface CloudProfile {
  /** For the ledger's target check and the "this run is simulated" notice. */
  readonly kind: 'azure' | 'sandbox';
  /** Human description for banners: "Azure (az login)" or "sandbox at .ratify-runbook/sandbox". */
  readonly description: string;
  /** ARM endpoint for @azure/arm-resources, e.g. https://management.azure.com. */
  readonly armEndpoint: string;
  /** Credential for the ARM endpoint. */
  readonly credential: TokenCredential;
  /** Extra CA (PEM) the ARM endpoint's TLS certificate chains to; undefined = system trust. */
  readonly tlsCa?: string;
  /** Directories put first on PATH for the runbook's child processes only. */
  readonly toolPath: readonly string[];
  /** Extra environment for the child processes (e.g. where the fake tools find their world). */
  readonly toolEnv: Readonly<Record<string, string>>;
  /** Stop whatever the profile started (the sandbox server); safe to call twice. */
  close(): Promise<void>;
}
