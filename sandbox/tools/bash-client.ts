import { FORWARDED_ENV } from './forwarded-env.js';

/**
 * The fake tools' thin client as a bash script, written into <worldDir>/bin/<tool>.
 *
 * Why bash: a workshop runs hundreds of tool calls per attendee, ten attendees at a time on a
 * two-core machine. A node process costs ~50 ms of CPU before it does anything; bash with its
 * built-in /dev/tcp costs ~3 ms. The logic stays in the world's owner; this only forwards argv,
 * cwd, a few environment variables and (when the command reads it) stdin, prints the answer,
 * and appends the call-log line. Bash < 5 (macOS's 3.2) falls back to the node client.
 *
 * Reply framing (x-sandbox-format: sh): four lines (the exit code, or `wait` when the tool then
 * blocks forever, and the byte lengths of stdout, stderr and the call-log line) followed by those
 * three byte strings.
 */

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The start of a bash client of the world's owner (the fake tools' client and the real kubectl's
 * shim): `__json`, the owner's port and key from server.json, the JSON of argv (`__argv`) and of
 * the forwarded environment (`__env`).
 */
export function bashRpcSetup(tool: string, forwardedEnv: readonly string[] = FORWARDED_ENV): string {
  return `LC_ALL=C
__start=\${EPOCHREALTIME/./}
__json() { # JSON string of $1 into __j
  local s=$1
  s=\${s//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}; s=\${s//$'\\n'/\\\\n}; s=\${s//$'\\r'/\\\\r}; s=\${s//$'\\t'/\\\\t}
  __j="\\"$s\\""
}
__info=''
IFS= read -r -d '' __info < "$RATIFY_SANDBOX_WORLD/server.json" 2>/dev/null
[[ -n $__info ]] || {
  echo "${tool}: the simulated world at $RATIFY_SANDBOX_WORLD is not running; start it with 'ratify-runbook run --sandbox' or use 'ratify-runbook sandbox exec -- ${tool} ...'" >&2; exit 1; }
[[ $__info =~ \\"rpcPort\\"[[:space:]]*:[[:space:]]*([0-9]+) ]] && __port=\${BASH_REMATCH[1]}
[[ $__info =~ \\"key\\"[[:space:]]*:[[:space:]]*\\"([0-9a-f]+)\\" ]] && __key=\${BASH_REMATCH[1]}
__argv=''
for __a in "$@"; do __json "$__a"; __argv+="\${__argv:+,}$__j"; done
__env=''
for __k in ${forwardedEnv.join(' ')}; do
  if [[ -n \${!__k+x} ]]; then __json "\${!__k}"; __env+="\${__env:+,}\\"$__k\\":$__j"; fi
done
__json "$PWD"; __cwd=$__j
`;
}

/**
 * One request to the owner (`op` call or precheck, `stdin` a JSON string expression) and its reply
 * in the sh framing: `__code`, `__out`, `__err` and `__log`.
 */
export function bashRpcExchange(tool: string, op: 'call' | 'precheck', stdin: string): string {
  return `__body="{\\"op\\":\\"${op}\\",\\"tool\\":\\"${tool}\\",\\"argv\\":[$__argv],\\"env\\":{$__env},\\"stdin\\":${stdin},\\"cwd\\":$__cwd}"
{ exec 3<>"/dev/tcp/127.0.0.1/$__port"; } 2>/dev/null || {
  echo "${tool}: the simulated world at $RATIFY_SANDBOX_WORLD did not answer (is its owner still running?)" >&2; exit 1; }
printf 'POST /rpc HTTP/1.0\\r\\nContent-Type: application/json\\r\\nx-sandbox-key: %s\\r\\nx-sandbox-format: sh\\r\\nContent-Length: %d\\r\\n\\r\\n%s' "$__key" "\${#__body}" "$__body" >&3
IFS= read -r __status <&3
while IFS= read -r __line <&3 && [[ $__line != $'\\r' && -n $__line ]]; do :; done
if [[ $__status != *" 200 "* ]]; then echo "${tool}: the simulated world answered: \${__status%$'\\r'}" >&2; exit 1; fi
IFS= read -r __code <&3; IFS= read -r __olen <&3; IFS= read -r __elen <&3; IFS= read -r __llen <&3
__out='' __err='' __log=''
(( __olen > 0 )) && IFS= read -r -d '' -N "$__olen" __out <&3
(( __elen > 0 )) && IFS= read -r -d '' -N "$__elen" __err <&3
(( __llen > 0 )) && IFS= read -r -d '' -N "$__llen" __log <&3
exec 3<&-
`;
}

export function bashClient(tool: string, worldDir: string, node: string, nodeClient: string): string {
  return `#!/bin/bash
# ratify-runbook sandbox: fake ${tool} (simulated; see sandbox/README.md). A thin client: the
# command logic lives in the process that owns the world.
RATIFY_SANDBOX_WORLD=${shQuote(worldDir)}
export RATIFY_SANDBOX_WORLD
if (( BASH_VERSINFO[0] < 5 )); then exec ${shQuote(node)} ${shQuote(nodeClient)} "$@"; fi
${bashRpcSetup(tool)}__stdin='' __prev=''
for __a in "$@"; do
  if [[ $__a == --password-stdin ]] || [[ $__a == - && ( $__prev == -f || $__prev == --filename || $__prev == --values ) ]]; then
    IFS= read -r -d '' __stdin || true; break
  fi
  __prev=$__a
done
__json "$__stdin"; __in=$__j
${bashRpcExchange(tool, 'call', '$__in')}printf '%s' "$__out"
printf '%s' "$__err" >&2
# "wait": the tool waits for something a non-interactive run never gives (a browser sign-in).
if [[ $__code == wait ]]; then exec sleep 2147483647; fi
__end=\${EPOCHREALTIME/./}
printf '%s\\n' "\${__log/__MS__/$(( (__end - __start) / 1000 ))}" >> "$RATIFY_SANDBOX_WORLD/calls.jsonl" 2>/dev/null
exit "$__code"
`;
}
