/**
 * Help texts. Plain strings in one small module: `ratify-runbook --help` must not load the
 * engine, the Azure SDK or the prompts (bench: <= 2x `node -e 0`).
 */
import { ExitCode } from '../kernel/errors.js';

export const mainHelp = `ratify-runbook: make AKS refuse any image you did not sign (Azure Policy + Ratify + Notation),
as a guided, resumable runbook. Follows the blog "Container Image Security part 4", corrected and current.

Usage: ratify-runbook <command> [options]

Commands:
  run        Run the steps (guided on a terminal); resumes after a failure or Ctrl-C
  plan       Show every command and generated file, without running anything
  status     Show where the run stands (--json for machines)
  teardown   Remove everything this runbook created, in reverse order
  doctor     Check tools, versions and login (the preflight step alone)
  export     Print the notebook (--format md) or a standalone bash script (--format sh)
  ui         The runbook as a live notebook in your browser (run's options, on 127.0.0.1)
  workshop   Replay the runbook for many attendees (init, run, status, teardown, dashboard, export)
  sandbox    Poke the simulated Azure world (sandbox exec -- az ...)

Try it offline first:  ratify-runbook run --sandbox
Each command has --help. Exit codes: 0 done, 1 a step failed (run again to resume), 2 bad usage or
invalid answers, 3 answers missing (non-interactive), 4 state dir locked, 130 interrupted.
`;

const answerOptions = `  --answers FILE          Answers file (YAML, camelCase keys; see templates/answers/demo.yaml)
  --set KEY=VALUE         One answer (repeatable); beats the file and RATIFY_RUNBOOK_<KEY> variables`;
const sandboxOptions = `  --sandbox               Run against the built-in simulated Azure + ACR + AKS world (offline)
  --sandbox-latency L     instant | demo | realistic | realistic:SCALE (default: the world's last, else instant)
  --sandbox-fault SPEC    Make matching tool calls fail: '<argv prefix>=<kind>[*N]', kinds transient,
                          conflict, propagation, permanent, hang, crash (repeatable; this invocation only)
  --sandbox-tools T       The simulated machine's tools, comma-separated: helm=3 | helm=4 (default) |
                          helm=<x.y.z>; kubectl=real runs your installed kubectl (logged, faults
                          applied) against the simulated clusters' Kubernetes API (this invocation only)
  --sandbox-cluster C     local-accounts (default) | entra-id (Entra ID sign-in, local accounts off)
  --sandbox-caller R      owner (default) | contributor (no rights to assign roles or policies)`;
const runIdOption = `  --run-id ID             The run's mark for a new state dir (default: random): tag ratify-runbook-run=ID on
                          what it creates. 1-63 letters, digits, . _ -, starting and ending with a letter or
                          digit. A state dir keeps its id: another one there is refused (exit 2)`;
const stateDirOption = `  --state-dir DIR         Where the ledger, answers, notebook, logs and kubeconfig live (./.ratify-runbook)`;

export const commandHelp: Record<string, string> = {
  run: `Usage: ratify-runbook run [options]

Runs the steps in order, checkpointing each success in DIR/state.json. After a failure or Ctrl-C,
run the same command again: finished steps are not repeated, nothing is created twice.
On a terminal it is guided: before each step it shows what the step does and its exact commands,
then asks Run / Skip / Run all remaining / Quit.

Options:
${answerOptions}
${stateDirOption}
${runIdOption}
  --from STEP             Re-check STEP and every step after it
  --only STEP             Run one step (its dependencies must be done)
  --serial                One step at a time (by default independent steps overlap)
  -y, --yes               Non-interactive: take the answers as given, run every step
  --non-interactive       Never prompt; report every missing or invalid answer at once
${sandboxOptions}
  --json                  Print the final status as JSON on stdout
  -h, --help              This help
`,
  plan: `Usage: ratify-runbook plan [options]

Prints every command each step would run on a fresh world, and the files it would generate,
without running anything. Values known only after running appear as <stepId.outputName>.

Options:
${answerOptions}
  --format F              text (default) | json | sh | md
${stateDirOption}
  -h, --help              This help
`,
  status: `Usage: ratify-runbook status [options]

Shows each step's status (pending, running, done, failed, interrupted, skipped), attempts,
outputs and error, from the ledger. Runs nothing.

Options:
${stateDirOption}
  --json                  Machine-readable output on stdout
  --check-cloud           Also look in the cloud (or the sandbox) for resources carrying this run's
                          mark that the ledger does not list (warns; teardown --sweep removes them)
  -h, --help              This help
`,
  teardown: `Usage: ratify-runbook teardown [options]

Removes, in reverse order, every resource the ledger records as created by this runbook (by
recorded id, whatever the answers say now), purges soft-deleted vaults and certificates, and
lists the cluster features it enabled and leaves on. Resumable like run.
Lost the state dir? \`teardown --sweep --run-id ID\` removes what carries that run's mark.

Options:
${stateDirOption}
  -y, --yes               Do not ask for confirmation
  --sweep                 Also remove what carries this run's mark but the ledger does not list:
                          resources tagged ratify-runbook-run=<runId>, and role assignments, policy
                          definitions and assignments with that marker in their description
  --run-id ID             With --sweep: the run whose mark to sweep. When the state dir has no ledger
                          (its state was lost; keep the answers there for the subscription), the sweep
                          finds, lists, and removes what carries ratify-runbook-run=ID, writing no
                          ledger. With a ledger it must be the ledger's run id
${sandboxOptions}
  -h, --help              This help
`,
  doctor: `Usage: ratify-runbook doctor [options]

Runs the read-only preflight step alone: tools and versions (az, kubectl, helm, notation and the
azure-kv plugin), login, subscription, tenant and caller.

Options:
${answerOptions}
${stateDirOption}
${sandboxOptions}
  -h, --help              This help
`,
  export: `Usage: ratify-runbook export --format md|sh [options]

--format md prints the notebook of the run; --format sh prints a standalone bash script with the
answers as variables at the top and each create guarded by its show.

Options:
  --format F              md | sh (required)
${stateDirOption}
  -h, --help              This help
`,
  ui: `Usage: ratify-runbook ui [run's options] [--port N] [--no-open] [--exit-when-done]

The same run as \`run\` (same ledger, notebook and exit codes), seen and driven from a local page:
each step a cell with its explanation, exact commands, live output, status, attempts and duration;
missing answers asked in a form (same checks and help as the terminal); Run / Skip / Run all
remaining / Stop before each step; after a failure its hint and Retry, which resumes from the
ledger. Reloading the page or starting the command again resumes too.
Serves on 127.0.0.1 only and prints http://127.0.0.1:PORT/?token=... on stdout; the token is
needed once (then a cookie), so keep the address to yourself. After the run the page stays
served until Ctrl-C (exit code of the run), unless --exit-when-done.

Options:
${answerOptions}
${stateDirOption}
${runIdOption}
  --from STEP             Re-check STEP and every step after it (the first run only)
  --only STEP             Run one step (its dependencies must be done)
  --serial                One step at a time (by default independent steps overlap)
  -y, --yes               Ask nothing: take the answers as given and run every step while the page watches
  --non-interactive       The same as --yes for ui; missing answers end the run (exit 3)
${sandboxOptions}
  --json                  Print the final status as JSON on stdout when the server stops
  --port N                Port on 127.0.0.1 (default 0: any free port)
  --no-open               Do not open a browser (print the address only)
  --exit-when-done        Stop serving as soon as the run ends (its exit code)
  -h, --help              This help
`,
  sandbox: `Usage: ratify-runbook sandbox exec [--state-dir DIR] [--sandbox-tools T] -- COMMAND [ARGS...]

Runs COMMAND with the sandbox's fake az, notation, helm, kubectl and kubelogin first on PATH and
the state dir's KUBECONFIG, so you can poke the simulated world (or run an exported script in it).
Its stdout, stderr and exit code pass through untouched. Each simulated cluster serves a
Kubernetes API on loopback: the state dir's kubeconfig reaches it, so your own kubectl or client
library works too.

Options:
${stateDirOption}
  --sandbox-tools T       helm=3 | helm=4 | helm=<x.y.z>: the simulated machine's Helm from now on;
                          kubectl=real: your installed kubectl (logged in calls.jsonl) instead of the fake
  -h, --help              This help
`,
};

/**
 * The answer to argv when it only asks for help: the main help (no command, --help, -h, help) or a
 * command's `--help` before any `--`. The entry answers these before it loads the rest of the CLI,
 * and main() with the same function. `workshop` parses its own --help (per subcommand).
 */
export function helpAnswer(argv: readonly string[]): { text: string; code: number } | undefined {
  const [command, ...args] = argv;
  if (command === undefined) return { text: mainHelp, code: ExitCode.usage };
  if (command === '--help' || command === '-h' || command === 'help') return { text: mainHelp, code: ExitCode.done };
  if (!Object.hasOwn(commandHelp, command) || command === 'workshop') return undefined;
  const text = commandHelp[command]!;
  const beforeDashDash = args.indexOf('--') === -1 ? args : args.slice(0, args.indexOf('--'));
  return beforeDashDash.includes('--help') || beforeDashDash.includes('-h') ? { text, code: ExitCode.done } : undefined;
}
