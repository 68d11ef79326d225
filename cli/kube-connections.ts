import { createHash } from 'node:crypto';
import { Agent, type AgentOptions } from 'node:https';

/**
 * The connections of the runbook's in-process reads of a cluster's API (kube-reader.ts): pooled
 * and kept alive, and a read sent again when the server closed its pooled connection under it.
 */

/**
 * How long an idle connection stays pooled: well under the API server's keep-alive (the
 * sandbox's is 30 s), so the client closes idle connections, never the server under a request.
 */
const IDLE_SOCKET_MS = 4_000;

/**
 * One keep-alive agent per TLS identity (CA, client certificate, verification). client-node makes
 * a new agent for every request, so every read and poll was a new TLS handshake: in a workshop
 * batch, ten attendees' polls spent more CPU on handshakes than on anything else.
 */
const agents = new Map<string, Agent>();

function pooledAgent(options: AgentOptions): Agent {
  const identity = [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername];
  const key = createHash('sha256')
    .update(JSON.stringify(identity.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : (v ?? null)))))
    .digest('hex');
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ ...options, keepAlive: true, timeout: IDLE_SOCKET_MS });
    agents.set(key, agent);
  }
  return agent;
}

/** client-node's agent factory (not in its typings): `createAgent(cluster, agentOptions)`. */
interface AgentFactory {
  createAgent(cluster: { server?: string; proxyUrl?: string } | null, options: AgentOptions): unknown;
}

/** Makes kc's HTTPS requests share pooled connections (a proxy or plain HTTP keeps client-node's own agent). */
export function shareConnections(kc: object): void {
  const factory = kc as unknown as AgentFactory;
  const own = factory.createAgent.bind(kc);
  factory.createAgent = (cluster, options) =>
    cluster?.server?.startsWith('https:') && !cluster.proxyUrl ? pooledAgent(options) : own(cluster, options);
}

/**
 * A read whose pooled connection the server reset before answering is sent again (reads are
 * replayable, and Go's transport does the same); a few times, as each try may take another
 * pooled connection the server already closed.
 */
export async function replayOnReset<T>(read: () => Promise<T>, tries = 3): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (tries <= 1 || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error;
    return replayOnReset(read, tries - 1);
  }
}
