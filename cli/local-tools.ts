import { execFile } from 'node:child_process';

/**
 * The Helm on this machine, for `plan`: the commands it shows depend on the major. Read-only and
 * local (no cloud call), so a plan may ask; undefined when there is no helm (or it does not answer).
 */
export function machineHelmVersion(env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('helm', ['version', '--template', '{{.Version}}'], { env: env, timeout: 10_000 }, (error, stdout) => {
      const version = stdout.trim();
      resolve(!error && /^v?\d+\.\d+\.\d+/.test(version) ? version : undefined);
    });
  });
}
