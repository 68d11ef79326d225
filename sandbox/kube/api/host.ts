import type { SandboxClock } from '../../clock.js';
import type { LatencyProfile } from '../../latency.js';
import type { World } from '../../world/model.js';
import type { CommitOptions } from '../../world/store.js';

export type { CommitOptions };

/** The header the owner's own tools send with every request (sandbox/kube/client/http.ts). */
export const TOOL_CALL_HEADER = 'x-sandbox-tool-call';

/** What the Kubernetes API needs from the process that owns the world. */
export interface KubeApiHost {
  readonly world: World;
  readonly clock: SandboxClock;
  readonly latency: LatencyProfile;
  /**
   * The world's revision: it changes with every committed change, and is undefined while a change
   * is not committed yet. What is computed from the world alone can be kept for one revision.
   */
  readonly revision: number | undefined;
  /**
   * Before a read: removes what has gone by now (terminated pods, a removed add-on's workloads) and
   * waits until every change so far is durable, so a read never shows one that could be lost.
   */
  expire(options?: CommitOptions): Promise<void>;
  /** After a write: resolves once the change is committed like any tool call's; wakes watches. */
  commit(options?: CommitOptions): Promise<void>;
  /** Calls `fn` after every change to the world, tool calls included; returns the unsubscribe. */
  onChange(fn: () => void): () => void;
}
