import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { bashRpcExchange, bashRpcSetup } from './bash-client.js';

/**
 * `--sandbox-tools kubectl=real`: `<worldDir>/bin-real/kubectl`, first on the runbook's PATH. It
 * asks the world's owner whether a --sandbox-fault applies to this call (and prints the fault's
 * answer if so, like every fake tool), else runs the machine's real kubectl against the
 * kubeconfig the caller gave it, then appends the call to calls.jsonl with the real exit code.
 * kubectl's discovery cache goes into the world (KUBECACHEDIR), not into ~/.kube.
 *
 * The owner answers `op: precheck` in the bash client's framing (tools/bash-client.ts): a first
 * line of `proceed` or the fault's exit code, then the lengths of stdout, stderr and the
 * call-log line (with __MS__ and __RC__ to fill in), then those bytes.
 */
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The first kubectl on PATH that is not one of the sandbox's own. */
export function findRealKubectl(path: string, exclude: readonly string[]): string | undefined {
  const skip = new Set(exclude.map((d) => resolve(d)));
  for (const dir of path.split(delimiter).filter(Boolean)) {
    if (skip.has(resolve(dir))) continue;
    const candidate = join(dir, 'kubectl');
    try {
      if (existsSync(candidate) && statSync(candidate).isFile() && (statSync(candidate).mode & 0o111) !== 0) return candidate;
    } catch {
      /* unreadable entry: keep looking */
    }
  }
  return undefined;
}

export function realKubectlShim(worldDir: string, realKubectl: string, forwardedEnv: readonly string[]): string {
  return `#!/bin/bash
# ratify-runbook sandbox: the real kubectl (${realKubectl}), logged and fault-injected like the
# sandbox's fake tools, against the simulated clusters' Kubernetes API (see sandbox/README.md).
RATIFY_SANDBOX_WORLD=${shQuote(worldDir)}
export RATIFY_SANDBOX_WORLD
${bashRpcSetup('kubectl', forwardedEnv)}${bashRpcExchange('kubectl', 'precheck', '\\"\\"')}if [[ $__code == proceed ]]; then
  export KUBECACHEDIR="\${KUBECACHEDIR:-$RATIFY_SANDBOX_WORLD/kube-cache}"
  ${shQuote(realKubectl)} "$@"
  __code=$?
else
  printf '%s' "$__out"
  printf '%s' "$__err" >&2
fi
__end=\${EPOCHREALTIME/./}
__log=\${__log/__MS__/$(( (__end - __start) / 1000 ))}
printf '%s\\n' "\${__log/__RC__/$__code}" >> "$RATIFY_SANDBOX_WORLD/calls.jsonl" 2>/dev/null
exit "$__code"
`;
}
