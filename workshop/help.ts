/** Help for `workshop` and its subcommands (cli/main.ts leaves --help to this command). */
const sandbox = `  --sandbox               All attendees in one simulated tenant (DIR/sandbox): rehearse offline
  --sandbox-latency L     instant (default) | demo | realistic | realistic:SCALE
  --sandbox-fault SPEC    Make matching tool calls fail (see \`ratify-runbook run --help\`)`;
const selection = `  --dir DIR               The workshop dir written by \`workshop init\` (required)
  --attendee ID           Only this attendee (repeatable)
  --concurrency N         At most N attendees at once (default 4)
  --retry-failed          Only the attendees whose last run failed or was interrupted`;

const dashboardOptions = `  --port N                Port on 127.0.0.1 (default 0: any free port)
  --no-open               Do not open a browser (print the address only)`;

export const workshopHelp: Record<string, string> = {
  workshop: `Usage: ratify-runbook workshop <init|run|status|teardown|dashboard|export> [options]

Replays the runbook for many attendees: each one gets its own answers (rendered from a template),
its own state dir DIR/<id>/ (ledger, kubeconfig, notebook) and its own cluster, vault and images.

Commands:
  init       Roster + template -> DIR/<id>/answers.yaml for every attendee (checks names and collisions)
  run        Run every attendee's runbook, N at once; resumes where each one stopped
  status     The attendee x step matrix from the ledgers (runs nothing)
  teardown   Tear down what the runbook created, for every attendee
  dashboard  Watch a run started elsewhere in the browser (read-only, from the ledgers on disk)
  export     Write GitHub Actions workflows that run (and tear down) every attendee, one job each

Each command has --help. The host's guide: workshop/README.md.
`,
  init: `Usage: ratify-runbook workshop init --roster FILE [--template FILE] --out DIR

Reads the roster (CSV with a header line, \`id\` required; or a YAML list of attendees), renders the
answers template for each attendee and writes DIR/workshop.yaml and DIR/<id>/answers.yaml.
Every rendered answer is validated, and names two attendees must not share are checked (Key Vault and
ACR names globally; policy, resource group + cluster, resource group + identity per subscription).
On any problem nothing is written and every problem is listed (exit 2). Running it again keeps each
attendee's {{suffix}}.

Options:
  --roster FILE           Attendees: CSV (id,name,email,subscriptionId,location,...) or YAML
  --template FILE         Answers template laid over templates/workshop/answers.yaml (may be partial)
  --out DIR               The workshop dir to create or update
  --subscription ID       The host's subscription, for {{hash}} and attendees without subscriptionId
                          (default RATIFY_RUNBOOK_SUBSCRIPTION_ID, then the one saved by an earlier init)
  -h, --help              This help
`,
  run: `Usage: ratify-runbook workshop run --dir DIR [options]

Runs each attendee's runbook non-interactively in its own state dir DIR/<id>/, at most N at once.
On a terminal it shows a live attendee x step matrix; otherwise one line per event. One attendee's
failure never stops the others. Ends with a summary (attendee, last step, status, hint); exit 1 if
any attendee failed. Run it again to resume everyone where they stopped.

With --dashboard it also serves the matrix live in the browser (127.0.0.1 only; the address, with
its token, is the first line on stdout): failed attendees first, each attendee's notebook and log
a click away, and Retry failed once the batch ends. The page stays served until Ctrl-C (exit code
of the last batch), or ends with the batch under --exit-when-done.

Options:
${selection}
${sandbox}
  --json                  Print the workshop status as JSON on stdout at the end
  --dashboard             Serve the live attendee x step matrix in the browser
${dashboardOptions}
  --exit-when-done        With --dashboard: stop serving when the batch ends
  -h, --help              This help
`,
  dashboard: `Usage: ratify-runbook workshop dashboard --dir DIR [--port N] [--no-open]

Serves the attendee x step matrix of a workshop dir in the browser, read-only: it follows a
\`workshop run\` started in another terminal (or by CI) from the attendees' ledgers on disk, and
runs, writes and locks nothing. Failed attendees come first; click one for their notebook and log.
Serves on 127.0.0.1 only; prints http://127.0.0.1:PORT/?token=... on stdout. Ctrl-C stops it.

Options:
  --dir DIR               The workshop dir (required)
${dashboardOptions}
  -h, --help              This help
`,
  status: `Usage: ratify-runbook workshop status --dir DIR [--json]

Shows the attendee x step matrix and, for attendees that failed, why. Reads the ledgers only:
runs nothing, takes no lock, writes nothing.

Options:
  --dir DIR               The workshop dir (required)
  --json                  Machine-readable: one entry per attendee with its \`status --json\`
  -h, --help              This help
`,
  teardown: `Usage: ratify-runbook workshop teardown --dir DIR [--yes] [options]

Tears down, for every attendee, what the runbook recorded as created (by recorded id), at most N at
once, with the same summary as run. Asks once on a terminal; elsewhere needs --yes.

Options:
${selection}
  -y, --yes               Do not ask for confirmation
${sandbox}
  --json                  Print the workshop status as JSON on stdout at the end
  -h, --help              This help
`,
  export: `Usage: ratify-runbook workshop export --dir DIR --format github-actions [--out DIR|-] [--concurrency N]

Writes two GitHub Actions workflows for the workshop: ratify-workshop.yml runs each attendee's runbook
as one job of a matrix (re-run a failed job to resume it: the state dir is kept in the Actions cache
between attempts), ratify-workshop-teardown.yml removes what each run created. Both sign in to Azure
through OIDC (a federated credential, no stored secret) and install the runbook from the repository.
Run it at the root of your ratify-runbook clone, with DIR (and its answers files) committed there.
Set-up: workshop/README.md, "Run the workshop on GitHub Actions".

Options:
  --dir DIR               The workshop dir written by \`workshop init\` (required)
  --format F              github-actions (required; the only format)
  --out DIR|-             Where to write the two files (default .github/workflows/); - prints the run
                          workflow alone on stdout
  --concurrency N         At most N attendees' jobs at once: the matrix's max-parallel (default 4)
  -h, --help              This help
`,
};
