import { runAz } from '../az/index.js';
import type { SandboxClock } from '../clock.js';
import { FaultPlan, type FaultSpec } from '../faults.js';
import { runHelm } from '../helm/helm.js';
import { runKubectl } from '../kube/kubectl.js';
import type { LatencyProfile } from '../latency.js';
import { runNotation } from '../notation/notation.js';
import { runKubelogin } from '../kubelogin/kubelogin.js';
import type { ToolContext } from '../tool-context.js';
import type { ToolResult } from '../tool-result.js';
import type { World } from '../world/model.js';
import { applySeedOptions, seedAnswers, type SeedAnswers } from '../world/seed.js';
import type { SeedOptions } from '../types.js';
import type { SandboxTools } from '../config.js';
import { saveWorld } from '../world/store.js';
import { faultResult } from './fault-text.js';
import { redactArgv } from './redact.js';

/** The owner batches world saves (see persist()). */
const SAVE_EVERY_MS = 200;

export interface ToolCall {
  tool: string;
  argv: string[];
  env: Record<string, string>;
  stdin: string;
  cwd: string;
}

export interface ToolReply extends ToolResult {
  /** argv as the call log records it (redacted). */
  logArgv: string[];
}

/**
 * Owns the world for one server process: runs tool calls against it, applies the faults of
 * each invocation (session), and saves the world atomically after every change.
 */
export class WorldHost {
  readonly world: World;
  readonly worldDir: string;
  readonly latency: LatencyProfile;
  readonly clock: SandboxClock;
  private readonly sessions = new Map<string, FaultPlan>();
  private readonly hangs = new Set<() => void>();

  constructor(world: World, worldDir: string, latency: LatencyProfile, clock: SandboxClock) {
    this.world = world;
    this.worldDir = worldDir;
    this.latency = latency;
    this.clock = clock;
  }

  openSession(id: string, faults: readonly FaultSpec[], tools?: SandboxTools): void {
    this.sessions.set(id, new FaultPlan(faults));
    // The machine's tools are part of the world: later invocations (sandbox exec) keep them.
    if (tools?.helm && tools.helm !== this.world.config?.helm) {
      this.world.config = { ...this.world.config, helm: tools.helm };
      this.persist();
    }
  }

  closeSession(id: string): void {
    this.sessions.delete(id);
  }

  /** What the blog's part 3 leaves for these answers (once), then --sandbox-cluster/--sandbox-caller when given. */
  async seed(answers: SeedAnswers, options: SeedOptions = {}, seedBase = true): Promise<boolean> {
    const seeded = seedBase && seedAnswers(this.world, answers, this.clock.now());
    const configured = applySeedOptions(this.world, answers, options);
    if (seeded || configured) this.persist();
    return seeded;
  }

  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private unsaved = false;

  /**
   * Schedules a save of the world: at most one every SAVE_EVERY_MS, written atomically and off
   * the event loop. Serializing a world that holds fifty attendees takes tens of milliseconds
   * of the one thread that serves every tool call, so changes are batched rather than saved
   * per call; close() flushes. A crash of the owner loses at most that window of a simulation.
   */
  persist(): void {
    this.unsaved = true;
    if (this.saveTimer || this.saving) return;
    this.saveTimer = setTimeout(() => void this.writeNow(), SAVE_EVERY_MS);
  }

  private async writeNow(): Promise<void> {
    this.saveTimer = undefined;
    if (!this.unsaved) return;
    this.unsaved = false;
    this.saving = saveWorld(this.worldDir, this.world)
      .catch(() => {
        this.unsaved = true; // try again with the next change or at close
      })
      .finally(() => {
        this.saving = undefined;
        if (this.unsaved) this.persist();
      });
    await this.saving;
  }

  /** Writes what is not saved yet (the owner's shutdown). */
  async flush(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    while (this.saving) await this.saving;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.unsaved) {
      this.unsaved = false;
      await saveWorld(this.worldDir, this.world);
    }
  }

  /** Objects whose time is up (terminated pods, removed managed add-ons) disappear. */
  private tick(): boolean {
    const now = this.clock.now();
    let changed = false;
    for (const kube of Object.values(this.world.clusters)) {
      for (const [k, o] of Object.entries(kube.objects)) {
        if (o.sandbox?.goneAt !== undefined && o.sandbox.goneAt <= now) {
          delete kube.objects[k];
          changed = true;
        }
      }
    }
    return changed;
  }

  async call(call: ToolCall): Promise<ToolReply> {
    const logArgv = [call.tool, ...redactArgv(call.argv)];
    const session = call.env.RATIFY_SANDBOX_SESSION;
    const fault = session ? this.sessions.get(session)?.take([call.tool, ...call.argv]) : undefined;
    if (fault === 'hang') {
      // Never answers: the caller's timeout is what ends it (the `hang` fault kind).
      await new Promise<void>((resolve) => this.hangs.add(resolve));
      return { stdout: '', stderr: '', exitCode: 137, logArgv };
    }
    if (fault) {
      const r = faultResult(call.tool, call.argv, fault, { oid: this.world.user.objectId, tenant: this.world.tenant.id, sub: this.world.defaultSubscription });
      return { ...r, logArgv };
    }
    let dirty = this.tick();
    const ctx: ToolContext = {
      world: this.world,
      worldDir: this.worldDir,
      latency: this.latency,
      clock: this.clock,
      env: call.env,
      cwd: call.cwd,
      stdin: call.stdin,
      markDirty: () => {
        dirty = true;
      },
    };
    let result: ToolResult;
    try {
      switch (call.tool) {
        case 'az':
          result = await runAz(ctx, call.argv);
          break;
        case 'kubectl':
          result = await runKubectl(ctx, call.argv);
          break;
        case 'helm':
          result = await runHelm(ctx, call.argv);
          break;
        case 'notation':
          result = await runNotation(ctx, call.argv);
          break;
        case 'kubelogin':
          result = await runKubelogin(ctx, call.argv);
          break;
        default:
          result = { stdout: '', stderr: `sandbox: unknown tool ${call.tool}\n`, exitCode: 127 };
      }
    } catch (e) {
      // A bug in the sandbox, not a simulated failure: say so plainly.
      result = { stdout: '', stderr: `sandbox internal error in '${call.tool} ${call.argv.join(' ')}': ${(e as Error).stack ?? String(e)}\n`, exitCode: 70 };
    }
    if (dirty) this.persist();
    return { ...result, logArgv };
  }

  /** Releases hanging calls (server shutdown). */
  releaseHangs(): void {
    for (const r of this.hangs) r();
    this.hangs.clear();
  }
}
