import { runAz } from '../az/index.js';
import type { SandboxClock } from '../clock.js';
import { FaultPlan, type FaultSpec } from '../faults.js';
import { runHelm } from '../helm/helm.js';
import { runKubectl } from '../kube/kubectl.js';
import type { LatencyProfile } from '../latency.js';
import { runNotation } from '../notation/notation.js';
import { runKubelogin } from '../kubelogin/kubelogin.js';
import type { CommitOptions, KubeApiHost } from '../kube/api/host.js';
import type { ToolContext } from '../tool-context.js';
import type { ToolResult } from '../tool-result.js';
import type { World } from '../world/model.js';
import { applySeedOptions, seedAnswers, type SeedAnswers } from '../world/seed.js';
import type { SeedOptions } from '../types.js';
import type { SandboxTools } from '../config.js';
import type { WorldStore } from '../world/store.js';
import { faultResult } from './fault-text.js';
import { redactArgv } from './redact.js';

/** The API server keeps Events for an hour (kube-apiserver --event-ttl). */
const EVENT_TTL_MS = 3_600_000;

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

/** One invocation's faults, and the process a `crash` fault kills. */
interface Session {
  readonly faults: FaultPlan;
  readonly pid: number | undefined;
}

/**
 * Owns the world for one server process: runs tool calls against it and applies the faults of
 * each invocation (session). Every answer waits until the world's changes are durable (the
 * store's journal is fsynced), so a change whose call answered survives any kill.
 */
export class WorldHost implements KubeApiHost {
  readonly world: World;
  readonly store: WorldStore;
  readonly worldDir: string;
  readonly latency: LatencyProfile;
  readonly clock: SandboxClock;
  private readonly sessions = new Map<string, Session>();
  private readonly hangs = new Set<() => void>();
  private readonly listeners = new Set<() => void>();

  constructor(store: WorldStore, latency: LatencyProfile, clock: SandboxClock) {
    this.store = store;
    this.world = store.view;
    this.worldDir = store.worldDir;
    this.latency = latency;
    this.clock = clock;
  }

  /** Call commit() after it: the tools it records are a change of the world. */
  openSession(id: string, faults: readonly FaultSpec[], tools?: SandboxTools, pid?: number): void {
    this.sessions.set(id, { faults: new FaultPlan(faults), pid });
    // The machine's tools are part of the world: later invocations (sandbox exec) keep them.
    if (tools?.helm && tools.helm !== this.world.config?.helm) {
      this.world.config = { ...this.world.config, helm: tools.helm };
    }
  }

  closeSession(id: string): void {
    this.sessions.delete(id);
  }

  /** What the blog's part 3 leaves for these answers (once), then --sandbox-cluster/--sandbox-caller when given. */
  async seed(answers: SeedAnswers, options: SeedOptions = {}, seedBase = true): Promise<boolean> {
    const seeded = seedBase && seedAnswers(this.world, answers, this.clock.now());
    applySeedOptions(this.world, answers, options);
    await this.commit();
    return seeded;
  }

  /**
   * What every mutation path awaits before it answers (tool calls and Kubernetes API writes
   * alike): the changes made through `world` so far are durable (a read awaits it too, so it never
   * shows a change that could still be lost). Then the API's watches wake.
   */
  async commit(options?: CommitOptions): Promise<void> {
    const before = this.store.seq;
    await this.store.commit(options);
    if (this.store.seq !== before) for (const fn of [...this.listeners]) fn();
  }

  get revision(): number | undefined {
    return this.store.uncommitted ? undefined : this.store.seq;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** What the Kubernetes API does before it reads: what has gone by now goes, and every change is durable. */
  async expire(options?: CommitOptions): Promise<void> {
    this.tick();
    await this.commit(options);
  }

  /** Commits what is left and writes the final snapshot (the owner's shutdown). */
  async flush(): Promise<void> {
    await this.store.close();
  }

  /** What the last expiry scan saw: the commit it scanned, and when the first object it kept is due. */
  private expiryScan = { seq: -1, due: Infinity };

  /** Objects whose time is up (terminated pods, removed managed add-ons, hour-old events) disappear. */
  private tick(): void {
    const now = this.clock.now();
    // Every call comes here: scan again only when the world changed since the last scan or
    // something that scan kept is due now (a 50-attendee world holds thousands of objects).
    if (!this.store.uncommitted && this.store.seq === this.expiryScan.seq && now < this.expiryScan.due) return;
    let due = Infinity;
    // Scanned raw (the tracked view costs more per read), deleted tracked.
    for (const [id, kube] of Object.entries(this.store.raw.clusters)) {
      for (const [k, o] of Object.entries(kube.objects)) {
        const goneAt = Math.min(
          o.kind === 'Event' ? (o.sandbox?.createdAt ?? now) + EVENT_TTL_MS : Infinity,
          o.sandbox?.goneAt ?? Infinity,
        );
        if (goneAt <= now) delete this.world.clusters[id]!.objects[k];
        else due = Math.min(due, goneAt);
      }
    }
    this.expiryScan = { seq: this.store.seq, due };
  }

  /** The fault this invocation's --sandbox-fault specs put on the call, answered (undefined: none). */
  private async faulted(call: ToolCall, logArgv: string[]): Promise<{ reply?: ToolReply; crash: boolean; session?: Session }> {
    const session = call.env.RATIFY_SANDBOX_SESSION ? this.sessions.get(call.env.RATIFY_SANDBOX_SESSION) : undefined;
    const fault = session?.faults.take([call.tool, ...call.argv]);
    if (fault === 'hang') {
      // Never answers: the caller's timeout is what ends it (the `hang` fault kind).
      await new Promise<void>((resolve) => this.hangs.add(resolve));
      return { reply: { stdout: '', stderr: '', exitCode: 137, logArgv }, crash: false };
    }
    if (!fault || fault === 'crash') return { crash: fault === 'crash', ...(session ? { session } : {}) };
    const ids = { oid: this.world.user.objectId, tenant: this.world.tenant.id, sub: this.world.defaultSubscription };
    return { reply: { ...faultResult(call.tool, call.argv, fault, ids), logArgv }, crash: false };
  }

  /**
   * A real tool's shim asks before running it (--sandbox-tools kubectl=real): the fault its call
   * suffers, or leave to proceed with the real binary (a `crash` fault lets it run, then kills it).
   */
  async precheck(call: ToolCall): Promise<ToolReply & { proceed: boolean }> {
    const logArgv = [call.tool, ...redactArgv(call.argv)];
    const { reply } = await this.faulted(call, logArgv);
    return reply ? { ...reply, proceed: false } : { stdout: '', stderr: '', exitCode: 0, logArgv, proceed: true };
  }

  async call(call: ToolCall): Promise<ToolReply> {
    const logArgv = [call.tool, ...redactArgv(call.argv)];
    const { reply, crash, session } = await this.faulted(call, logArgv);
    if (reply) return reply;
    this.tick();
    const ctx: ToolContext = {
      world: this.world,
      worldDir: this.worldDir,
      latency: this.latency,
      clock: this.clock,
      env: call.env,
      cwd: call.cwd,
      stdin: call.stdin,
      // Changes are found by the world's change tracker; this remains for handlers that call it.
      markDirty: () => {},
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
      result = {
        stdout: '',
        stderr: `sandbox internal error in '${call.tool} ${call.argv.join(' ')}': ${(e as Error).stack ?? String(e)}\n`,
        exitCode: 70,
      };
    }
    await this.commit();
    if (crash) {
      // The worst moment for a client: the change is made (and durable), the answer never comes.
      if (session?.pid !== undefined) process.kill(session.pid, 'SIGKILL');
      await new Promise<void>((resolve) => this.hangs.add(resolve));
    }
    return { ...result, logArgv };
  }

  /** Releases hanging calls (server shutdown). */
  releaseHangs(): void {
    for (const r of this.hangs) r();
    this.hangs.clear();
  }
}
