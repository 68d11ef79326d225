import type { ToolContext } from '../../tool-context.js';
import { pluginRunner } from '../auth.js';
import { resolveCredential } from '../credentials.js';
import { KubeClient, Unreachable } from './http.js';
import { isProblem, resolveTarget, type KubeTarget } from './kubeconfig.js';

/**
 * A kubectl or helm call's connection to its cluster: the kubeconfig's target and the user's
 * credential. Failing to get either fails like the real tools (their texts differ).
 */
export interface Connection {
  client: KubeClient;
  target: KubeTarget;
}

export async function connect(
  t: ToolContext,
  flags: { kubeconfig?: string; context?: string; token?: string; server?: string },
): Promise<Connection> {
  const found = resolveTarget(t.env, t.cwd, flags);
  if (isProblem(found)) {
    if (found.reason === 'no-config') {
      throw new Unreachable(
        'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
        'Get "http://localhost:8080/version": dial tcp 127.0.0.1:8080: connect: connection refused',
      );
    }
    if (found.reason === 'no-context')
      throw new Unreachable(`error: context "${found.context}" does not exist`, `context "${found.context}" does not exist`);
    throw new Unreachable(`error: cluster "${found.cluster}" does not exist`, `cluster "${found.cluster}" does not exist`);
  }
  const target = flags.server ? { ...found, server: flags.server } : found;
  if (flags.token) return { client: new KubeClient(target, flags.token), target };
  const cred = await resolveCredential(target.user, pluginRunner(t));
  if (cred.kind === 'waits') throw new CredentialWaits(cred.stderr);
  if (cred.kind === 'error') {
    const helm = `Get "${target.server}/version": ${cred.message}`;
    throw new Unreachable(`Unable to connect to the server: ${cred.message}`, helm, cred.stderr);
  }
  return { client: new KubeClient(target, cred.kind === 'token' ? cred.token : undefined), target };
}

/**
 * The credential plugin waits for something a non-interactive run never gives (kubelogin's
 * device-code sign-in): the tool prints `stderr` and blocks, as the real ones do.
 */
export class CredentialWaits extends Error {
  readonly stderr: string;
  constructor(stderr: string) {
    super('the credential plugin waits for a sign-in');
    this.name = 'CredentialWaits';
    this.stderr = stderr;
  }
}
