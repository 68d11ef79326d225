import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { packageRoot } from '../kernel/package-root.js';
import { processAlive, processIdentity } from '../kernel/process-alive.js';
import { realClock, type SandboxClock } from './clock.js';
import { parseFaultSpec } from './faults.js';
import { parseSandboxTools } from './config.js';
import type { SandboxHandle, SandboxOptions, SeedOptions } from './types.js';
import { parseLatency } from './latency.js';
import { bashClient } from './tools/bash-client.js';
import { FORWARDED_ENV } from './tools/forwarded-env.js';
import { findRealKubectl, realKubectlShim } from './tools/real-kubectl-shim.js';
import { WorldHost } from './server/host.js';
import { startListeners, type RunningServer } from './server/listeners.js';
import { ensureWorldTls, prepareCertificateKeys } from './tls.js';
import { certificateKeysInUse, certificateKeysWanted } from './az/keyvault/data-plane.js';
import { rpc, type ServerInfo } from './tools/rpc.js';
import { newWorld, type SeedAnswers } from './world/seed.js';
import { WorldStore, writeFileAtomic } from './world/store.js';

export const TOOLS = ['az', 'kubectl', 'helm', 'notation', 'kubelogin'] as const;

/** dist/sandbox/tools, whether this module runs from dist, from the bundled CLI or from source (tests). */
export function toolsDir(): string {
  const dir = join(packageRoot(), 'dist', 'sandbox', 'tools');
  if (!existsSync(join(dir, 'az.js')))
    throw new Error(`the sandbox's fake tools are not built (${dir}/az.js missing): run 'npx tsc -p tsconfig.build.json' first`);
  return dir;
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `<worldDir>/bin/<tool>`: the bash thin client (tools/bash-client.ts), or `exec node <dist>/sandbox/tools/<tool>.js "$@"`. */
export function writeShims(worldDir: string): string {
  const bin = join(worldDir, 'bin');
  mkdirSync(bin, { recursive: true });
  const dir = toolsDir();
  for (const t of TOOLS) {
    const file = join(bin, t);
    // bash's /dev/tcp client costs a few ms a call; without bash, the node client (~50 ms).
    const body = existsSync('/bin/bash')
      ? bashClient(t, worldDir, process.execPath, join(dir, `${t}.js`))
      : `#!/bin/sh\n# ratify-runbook sandbox: fake ${t} (simulated; see sandbox/README.md)\nRATIFY_SANDBOX_WORLD=${shQuote(worldDir)} exec ${shQuote(process.execPath)} ${shQuote(join(dir, `${t}.js`))} "$@"\n`;
    if (!existsSync(file) || readFileSync(file, 'utf8') !== body) {
      writeFileSync(file, body);
      chmodSync(file, 0o755);
    }
  }
  return bin;
}

/**
 * `<worldDir>/bin-real/kubectl`: the machine's kubectl behind the logging, fault-applying shim.
 * Throws when no kubectl is installed (the caller asked for the real one).
 */
export function writeRealKubectlShim(worldDir: string, searchPath = process.env.PATH ?? ''): string {
  const dir = join(worldDir, 'bin-real');
  const real = findRealKubectl(searchPath, [join(worldDir, 'bin'), dir]);
  if (!real) {
    throw new Error(
      '--sandbox-tools kubectl=real: no kubectl found on PATH; install kubectl (az aks install-cli, or https://kubernetes.io/docs/tasks/tools/)' +
        ' or leave out kubectl=real',
    );
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kubectl');
  const body = realKubectlShim(worldDir, real, FORWARDED_ENV);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== body) {
    writeFileSync(file, body);
    chmodSync(file, 0o755);
  }
  return dir;
}

function readInfo(worldDir: string): ServerInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(worldDir, 'server.json'), 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
}

async function liveOwner(worldDir: string): Promise<ServerInfo | undefined> {
  const info = readInfo(worldDir);
  if (!info || !processAlive(info.pid, info.process)) return undefined;
  try {
    await rpc(info, { op: 'ping' }, 2000);
    return info;
  } catch {
    return undefined;
  }
}

/**
 * One process owns a world. A second startSandbox on the same dir while the owner lives
 * connects to it as a client; a dead owner (stale pid) is taken over.
 */
async function elect(worldDir: string): Promise<{ owner: false; info: ServerInfo } | { owner: true; lock: string }> {
  const lock = join(worldDir, 'owner.lock');
  for (let attempt = 0; attempt < 200; attempt++) {
    const info = await liveOwner(worldDir);
    if (info) return { owner: false, info };
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { owner: true, lock };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8').trim() || 0);
      // owner.lock holds the pid alone; server.json says which process it was, once that owner served.
      const recorded = readInfo(worldDir);
      if (pid > 0 && pid !== process.pid && processAlive(pid, recorded?.pid === pid ? recorded.process : undefined)) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        unlinkSync(lock);
      } catch {
        /* someone else took it over first */
      }
    }
  }
  throw new Error(
    `could not become or reach the owner of the sandbox at ${worldDir} (owner.lock held by a live process that never started a server)`,
  );
}

class SandboxTokenCredential implements TokenCredential {
  private readonly info: Pick<ServerInfo, 'rpcPort' | 'key'>;
  constructor(info: Pick<ServerInfo, 'rpcPort' | 'key'>) {
    this.info = info;
  }
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? 'https://management.azure.com/.default') : scopes;
    return rpc<AccessToken>(this.info, { op: 'token', scope });
  }
}

export interface StartOptions extends SandboxOptions {
  /** Tests only: world time. */
  clock?: SandboxClock;
}

export async function start(options: StartOptions): Promise<SandboxHandle> {
  const latency = parseLatency(options.latency ?? recordedLatency(options.worldDir) ?? 'instant');
  const faults = (options.faults ?? []).map(parseFaultSpec);
  const tools = options.tools ? parseSandboxTools(options.tools) : undefined;
  const worldDir = options.worldDir;
  mkdirSync(worldDir, { recursive: true });
  const bin = writeShims(worldDir);
  const toolPath = tools?.kubectl === 'real' ? [writeRealKubectlShim(worldDir), bin] : [bin];
  const tls = await ensureWorldTls(worldDir);
  const elected = await elect(worldDir);
  let server: RunningServer | undefined;
  let host: WorldHost | undefined;
  let info: ServerInfo;
  if (elected.owner) {
    try {
      host = new WorldHost(await WorldStore.open(worldDir, newWorld), latency, options.clock ?? realClock);
      prepareCertificateKeys(certificateKeysWanted(host.world), certificateKeysInUse(host.world));
      server = await startListeners(host, tls);
      const { rpcPort, armPort, kubePort, key } = server;
      const identity = processIdentity(process.pid);
      info = {
        pid: process.pid,
        ...(identity ? { process: identity } : {}),
        rpcPort,
        armPort,
        kubePort,
        key,
        startedAt: new Date().toISOString(),
        latency: latency.spec,
      };
      writeFileAtomic(join(worldDir, LATENCY_FILE), JSON.stringify({ latency: latency.spec }) + '\n');
      writeFileAtomic(join(worldDir, 'server.json'), JSON.stringify(info, null, 2) + '\n');
    } catch (e) {
      unlinkSync(elected.lock);
      throw e;
    }
  } else {
    info = elected.info;
  }
  const session = randomUUID();
  // The pid is what a `crash` fault kills: this process, the runbook that opened the session.
  await rpc(info, { op: 'session-open', id: session, faults: faults.map((f) => f.spec), pid: process.pid, ...(tools ? { tools } : {}) });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await rpc(info, { op: 'session-close', id: session }, 2000);
    } catch {
      /* the owner may already be gone */
    }
    if (server) {
      await server.close();
      await host?.flush();
      for (const f of ['server.json', 'owner.lock']) {
        try {
          const p = join(worldDir, f);
          if (f === 'owner.lock' || readInfo(worldDir)?.pid === process.pid) unlinkSync(p);
        } catch {
          /* already gone */
        }
      }
    }
  };
  const profile: CloudProfile = {
    kind: 'sandbox',
    description: `sandbox at ${worldDir}`,
    armEndpoint: `https://127.0.0.1:${info.armPort}`,
    credential: new SandboxTokenCredential(info),
    tlsCa: tls.caPem,
    toolPath,
    toolEnv: { RATIFY_SANDBOX_WORLD: worldDir, RATIFY_SANDBOX_SESSION: session },
    // The owner's durations are the world's: a client waits at the owner's speed, whatever it asked for.
    timeScale: timeScaleOf(elected.owner || !info.latency ? latency : parseLatency(info.latency)),
    close,
  };
  return {
    profile,
    seed: async (answers: SeedAnswers, seedOptions?: SeedOptions) => {
      await rpc(info, { op: 'seed', answers, ...(seedOptions ? { options: seedOptions } : {}) });
    },
    configure: async (answers: SeedAnswers, seedOptions: SeedOptions) => {
      await rpc(info, { op: 'seed', answers, options: seedOptions, base: false });
    },
    close,
  };
}

/**
 * The world keeps the speed it last ran at. Its pending effects (a feature removed minutes later,
 * a role that has not propagated yet) were timed at that speed, so a run resumed without
 * `--sandbox-latency` must wait at the same speed, or an instant resume of a demo run gives up
 * on a wait the world had scheduled seconds away.
 */
const LATENCY_FILE = 'latency.json';

function recordedLatency(worldDir: string): string | undefined {
  try {
    const spec = (JSON.parse(readFileSync(join(worldDir, LATENCY_FILE), 'utf8')) as { latency?: unknown }).latency;
    if (typeof spec !== 'string') return undefined;
    parseLatency(spec);
    return spec;
  } catch {
    return undefined; // no record yet (a new world), or one this version cannot read: the default applies
  }
}

/**
 * How fast the runbook's own waits run against this world (CloudProfile.timeScale): as fast as
 * the world's simulated durations, so polls fire promptly. `realistic:S` is S; `demo` squeezes
 * Azure's minutes into seconds (~1/100); `instant` has no durations, and a tiny scale keeps
 * deadlines finite (a 30-minute poll deadline lasts ~2 s) so a kit that never converges fails fast.
 */
function timeScaleOf(latency: ReturnType<typeof parseLatency>): number {
  if (latency.name === 'realistic') return latency.scale;
  return latency.name === 'demo' ? 0.01 : 0.001;
}
