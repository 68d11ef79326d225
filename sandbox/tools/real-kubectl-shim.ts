import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

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
LC_ALL=C
__start=\${EPOCHREALTIME/./}
__json() {
  local s=$1
  s=\${s//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}; s=\${s//$'\\n'/\\\\n}; s=\${s//$'\\r'/\\\\r}; s=\${s//$'\\t'/\\\\t}
  __j="\\"$s\\""
}
__info=''
IFS= read -r -d '' __info < "$RATIFY_SANDBOX_WORLD/server.json" 2>/dev/null
[[ -n $__info ]] || {
  echo "kubectl: the simulated world at $RATIFY_SANDBOX_WORLD is not running; start it with 'ratify-runbook run --sandbox' or use 'ratify-runbook sandbox exec -- kubectl ...'" >&2; exit 1; }
[[ $__info =~ \\"rpcPort\\"[[:space:]]*:[[:space:]]*([0-9]+) ]] && __port=\${BASH_REMATCH[1]}
[[ $__info =~ \\"key\\"[[:space:]]*:[[:space:]]*\\"([0-9a-f]+)\\" ]] && __key=\${BASH_REMATCH[1]}
__argv=''
for __a in "$@"; do __json "$__a"; __argv+="\${__argv:+,}$__j"; done
__env=''
for __k in ${forwardedEnv.join(' ')}; do
  if [[ -n \${!__k+x} ]]; then __json "\${!__k}"; __env+="\${__env:+,}\\"$__k\\":$__j"; fi
done
__json "$PWD"; __cwd=$__j
__body="{\\"op\\":\\"precheck\\",\\"tool\\":\\"kubectl\\",\\"argv\\":[$__argv],\\"env\\":{$__env},\\"stdin\\":\\"\\",\\"cwd\\":$__cwd}"
{ exec 3<>"/dev/tcp/127.0.0.1/$__port"; } 2>/dev/null || {
  echo "kubectl: the simulated world at $RATIFY_SANDBOX_WORLD did not answer (is its owner still running?)" >&2; exit 1; }
printf 'POST /rpc HTTP/1.0\\r\\nContent-Type: application/json\\r\\nx-sandbox-key: %s\\r\\nx-sandbox-format: sh\\r\\nContent-Length: %d\\r\\n\\r\\n%s' "$__key" "\${#__body}" "$__body" >&3
IFS= read -r __status <&3
while IFS= read -r __line <&3 && [[ $__line != $'\\r' && -n $__line ]]; do :; done
if [[ $__status != *" 200 "* ]]; then echo "kubectl: the simulated world answered: \${__status%$'\\r'}" >&2; exit 1; fi
IFS= read -r __code <&3; IFS= read -r __olen <&3; IFS= read -r __elen <&3; IFS= read -r __llen <&3
__out='' __err='' __log=''
(( __olen > 0 )) && IFS= read -r -d '' -N "$__olen" __out <&3
(( __elen > 0 )) && IFS= read -r -d '' -N "$__elen" __err <&3
(( __llen > 0 )) && IFS= read -r -d '' -N "$__llen" __log <&3
exec 3<&-
if [[ $__code == proceed ]]; then
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
