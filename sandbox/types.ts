import type { CloudProfile } from '../kernel/cloud-profile.js';
import type { CallerProfile, ClusterSignIn } from './config.js';

export interface SandboxOptions {
  /** <state-dir>/sandbox or <workshop-dir>/sandbox */
  worldDir: string;
  /** 'instant' | 'demo' | 'realistic' | 'realistic:0.02' (default instant). */
  latency?: string;
  /** --sandbox-fault specs, for this invocation only, never persisted. */
  faults?: readonly string[];
  /** --sandbox-tools spec (`helm=3`); kept in the world: it is the simulated machine's tools. */
  tools?: string;
}

/** How the seeded world's cluster and caller look (--sandbox-cluster, --sandbox-caller); kept in the world. */
export interface SeedOptions {
  cluster?: ClusterSignIn;
  caller?: CallerProfile;
}

/** The answers that name the base resources a world is seeded with. */
export interface SeedAnswerSet {
  subscriptionId?: string;
  resourceGroup: string;
  aksName: string;
  acrName: string;
}

export interface SandboxHandle {
  /** kind 'sandbox': ARM endpoint, credential issuing sandbox JWTs, tlsCa, toolPath [<worldDir>/bin], toolEnv. */
  profile: CloudProfile;
  /** Seeds what the blog's part 3 leaves for this answer set, once per answer set (idempotent). */
  seed(answers: SeedAnswerSet & { location?: string }, options?: SeedOptions): Promise<void>;
  /** Applies --sandbox-cluster/--sandbox-caller without seeding anything (the run creates the base itself). */
  configure(answers: SeedAnswerSet, options: SeedOptions): Promise<void>;
  close(): Promise<void>;
}
