import type { TokenCredential } from '@azure/identity';

/**
 * The one object that differs between a real run and a sandbox run (README.md, "Real Azure
 * vs the sandbox"). It is built once in cli/ and injected; nothing else may branch on "is
 * this the sandbox".
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
  /**
   * Real seconds per simulated second for waits and polls (1 on Azure). A sandbox running at
   * `realistic:0.02` answers 50x faster than Azure, so the runbook's polls and backoffs shrink
   * by the same factor and still fire promptly. Undefined = 1.
   */
  readonly timeScale?: number;
  /** Stop whatever the profile started (the sandbox server); safe to call twice. */
  close(): Promise<void>;
}
