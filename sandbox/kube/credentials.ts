/**
 * The credential of the current kubeconfig user, resolved the way client-go does it for
 * kubectl and helm: a static token (or client certificate) is used as is; an `exec` section
 * runs its credential plugin and reads the ExecCredential it prints
 * (client.authentication.k8s.io/v1beta1). The fake kubectl, the fake helm and any other client
 * of the sandbox's Kubernetes API call this one module.
 *
 * The plugin is run through an injected runner: in the world's owner it is the fake
 * kubelogin in-process; a client elsewhere may spawn the real command.
 */

export interface ExecEnvVar {
  readonly name: string;
  readonly value: string;
}

/** `users[].user.exec` of a kubeconfig (client-go's ExecConfig). */
export interface ExecConfig {
  readonly apiVersion?: string;
  readonly command: string;
  readonly args?: readonly string[] | null;
  readonly env?: readonly ExecEnvVar[] | null;
  readonly installHint?: string;
  readonly interactiveMode?: string;
  readonly provideClusterInfo?: boolean;
}

export interface KubeUser {
  readonly token?: string;
  readonly 'client-certificate-data'?: string;
  readonly 'client-key-data'?: string;
  readonly exec?: ExecConfig | null;
}

/** What running a credential plugin did. */
export interface PluginRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * The plugin is waiting for something that never comes in a non-interactive run (a
   * device-code sign-in in a browser): it printed `stderr` and does not return.
   */
  readonly waitsForever?: boolean;
}

export type PluginRunner = (exec: ExecConfig) => Promise<PluginRun>;

export type Credential =
  | { readonly kind: 'token'; readonly token: string; readonly source: 'kubeconfig' | 'exec' }
  | { readonly kind: 'client-certificate' }
  | { readonly kind: 'none' }
  /** The client blocks: its plugin printed `stderr` (the device-code prompt) and waits. */
  | { readonly kind: 'waits'; readonly stderr: string }
  /** What kubectl prints before `Unable to connect to the server: ` and helm after `Kubernetes cluster unreachable: `. */
  | { readonly kind: 'error'; readonly message: string; readonly stderr: string };

/** What client-go says when the plugin's command is not on PATH (plugin/pkg/client/auth/exec). */
export function pluginNotFound(exec: ExecConfig): Credential {
  const hint = exec.installHint ? `\n\n${exec.installHint.trim()}` : '';
  return {
    kind: 'error',
    message: `getting credentials: exec: executable ${exec.command} not found`,
    stderr:
      `\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, ` +
      'consult the documentation available at:\n      ' +
      `https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins${hint}\n`,
  };
}

/** Resolves the user's credential; `runPlugin` runs an exec plugin (and reports a missing command as exit 127). */
export async function resolveCredential(user: KubeUser | undefined, runPlugin: PluginRunner): Promise<Credential> {
  if (!user) return { kind: 'none' };
  if (user.exec) {
    const run = await runPlugin(user.exec);
    if (run.waitsForever) return { kind: 'waits', stderr: run.stderr };
    if (run.exitCode === 127) return pluginNotFound(user.exec);
    if (run.exitCode !== 0) {
      const message = `getting credentials: exec: executable ${user.exec.command} failed with exit code ${run.exitCode}`;
      return { kind: 'error', message, stderr: run.stderr };
    }
    const token = execCredentialToken(run.stdout);
    if (!token) {
      const message = `getting credentials: decoding stdout: couldn't get version/kind; json parse error: ${run.stdout.slice(0, 60)}`;
      return { kind: 'error', message, stderr: run.stderr };
    }
    return { kind: 'token', token, source: 'exec' };
  }
  if (user.token) return { kind: 'token', token: user.token, source: 'kubeconfig' };
  if (user['client-certificate-data']) return { kind: 'client-certificate' };
  return { kind: 'none' };
}

/** `status.token` of an ExecCredential, or undefined when the output is not one. */
export function execCredentialToken(stdout: string): string | undefined {
  try {
    const doc = JSON.parse(stdout) as { kind?: string; status?: { token?: string } };
    return doc.kind === 'ExecCredential' && typeof doc.status?.token === 'string' && doc.status.token ? doc.status.token : undefined;
  } catch {
    return undefined;
  }
}
