import type { CloudProfile } from '../kernel/cloud-profile.js';

export interface SandboxOptions {
  /** <state-dir>/sandbox or <workshop-dir>/sandbox */
  worldDir: string;
  /** 'instant' | 'demo' | 'realistic' | 'realistic:0.02' (default instant). */
  latency?: string;
  /** --sandbox-fault specs, for this invocation only, never persisted. */
  faults?: readonly string[];
  /** --sandbox-tools specs (`kubectl=real`), for this invocation only. */
  tools?: readonly string[];
}

export interface SandboxHandle {
  /** kind 'sandbox': ARM endpoint, credential issuing sandbox JWTs, tlsCa, toolPath [<worldDir>/bin], toolEnv. */
  profile: CloudProfile;
  /** Seeds what the blog's part 3 leaves for this answer set, once per answer set (idempotent). */
  seed(answers: { subscriptionId?: string; resourceGroup: string; aksName: string; acrName: string; location?: string }): Promise<void>;
  close(): Promise<void>;
}
