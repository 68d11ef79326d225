import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { KubeTarget } from './client/kubeconfig.js';

/**
 * The bearer token the current kubeconfig user presents, as client-go gets it: a static `token`,
 * a `tokenFile`, or an exec credential plugin (kubelogin on Entra ID clusters) run with the
 * caller's environment, whose ExecCredential `status.token` is the token. The sandbox's fake
 * kubectl and helm use this one function.
 */
export type Credential = { token?: string } | { error: string };

/** A plugin waiting for a sign-in that never comes (device code) must not hold the call forever. */
const EXEC_TIMEOUT_MS = 60_000;

function findOnPath(command: string, env: Readonly<Record<string, string>>, baseDir: string): string | undefined {
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(baseDir, command);
    return existsSync(p) ? p : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, command);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export async function resolveCredential(
  target: KubeTarget,
  env: Readonly<Record<string, string>>,
  tokenOverride?: string,
): Promise<Credential> {
  if (tokenOverride) return { token: tokenOverride };
  const u = target.user;
  if (u.token) return { token: u.token };
  if (u.tokenFile) {
    try {
      return { token: readFileSync(resolve(target.userDir, u.tokenFile), 'utf8').trim() };
    } catch (e) {
      return {
        error: `open ${u.tokenFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
      };
    }
  }
  if (!u.exec?.command) return {};
  const exec = u.exec;
  const path = findOnPath(exec.command, env, target.userDir);
  if (!path) {
    return {
      error: `getting credentials: exec: executable ${exec.command} not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins`,
    };
  }
  const childEnv: Record<string, string> = { ...env };
  for (const e of exec.env ?? []) childEnv[e.name] = e.value;
  childEnv.KUBERNETES_EXEC_INFO = JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
    spec: { interactive: false },
  });
  return new Promise<Credential>((done) => {
    const child = spawn(path, exec.args ?? [], { env: childEnv, cwd: target.userDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXEC_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ error: `getting credentials: exec: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        done({
          error: `getting credentials: exec: executable ${exec.command} failed with exit code ${code ?? (signal ? 'signal ' + signal : 1)}${err.trim() ? `\n${err.trim()}` : ''}`,
        });
        return;
      }
      try {
        const cred = JSON.parse(out) as { status?: { token?: string } };
        if (!cred.status?.token) return done({ error: "getting credentials: exec plugin didn't return a token or cert/key pair" });
        done({ token: cred.status.token });
      } catch {
        done({ error: `getting credentials: decoding stdout: couldn't get version/kind; json parse error` });
      }
    });
  });
}
