import type { SandboxClock } from './clock.js';
import type { LatencyProfile } from './latency.js';
import type { World } from './world/model.js';

/** What every fake tool's server-side logic gets for one call. */
export interface ToolContext {
  readonly world: World;
  readonly worldDir: string;
  readonly latency: LatencyProfile;
  readonly clock: SandboxClock;
  /** The environment subset the thin client forwarded. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly stdin: string;
  /**
   * Kept for handlers that call it; a no-op. `world` is a change-tracking view: every write
   * through it is found and made durable before the answer goes back (sandbox/README.md).
   */
  markDirty(): void;
}
