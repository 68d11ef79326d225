import { loadSandbox } from '../bundled-module.js';
import { join, relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../../kernel/errors.js';
import { flag, listOption, oneOf, option, parseCommandArgs, stringOption, type Parsed } from '../args.js';
import { sandboxFlags } from '../cloud-profiles.js';
import { portOf, serveOptions } from '../serve-flags.js';
import type { AttendeeTask } from '../../workshop/batch-runner.js';
import type { BatchCommandOptions } from '../../workshop/commands.js';
import { writeLine, type Io } from '../../kernel/io.js';

/**
 * `ratify-runbook workshop init|run|status|teardown|export`. Only argument parsing lives here; the work
 * is in workshop/, loaded lazily (Handlebars, the engine and the steps are not needed for --help).
 */
export default async function workshop(io: Io, args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { workshopHelp } = await import('../../workshop/help.js');
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(workshopHelp.workshop ?? '');
    return sub === undefined ? ExitCode.usage : ExitCode.done;
  }
  const help = workshopHelp[sub];
  if (!help || sub === 'workshop') {
    throw new UsageError(`Unknown workshop command "${sub}".`, [
      'Run `ratify-runbook workshop --help` for init, run, status, teardown and export.',
    ]);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(help);
    return ExitCode.done;
  }
  switch (sub) {
    case 'init':
      return init(io, rest);
    case 'status':
      return status(io, rest);
    case 'dashboard':
      return dashboard(io, rest);
    case 'export':
      return exportWorkflows(io, rest);
    default:
      return batch(io, sub === 'run' ? 'run' : 'teardown', rest);
  }
}

async function init(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('workshop init', args, {
    roster: { type: 'string' },
    template: { type: 'string' },
    out: { type: 'string' },
    subscription: { type: 'string' },
    ...option.help,
  });
  const roster = required(parsed, 'roster', 'init');
  const out = required(parsed, 'out', 'init');
  const template = stringOption(parsed, 'template');
  const { initWorkshop } = await import('../../workshop/init.js');
  const result = await initWorkshop({
    rosterPath: resolve(io.cwd, roster),
    templatePath: template === undefined ? undefined : resolve(io.cwd, template),
    outDir: resolve(io.cwd, out),
    hostSubscription: stringOption(parsed, 'subscription') ?? (io.env.RATIFY_RUNBOOK_SUBSCRIPTION_ID?.trim() || undefined),
    now: new Date(),
  });
  for (const note of result.notes) writeLine(io.stderr, `! ${note}`);
  writeLine(io.stderr, `✔ ${result.attendees.length} attendee(s) ready in ${resolve(io.cwd, out)}:`);
  for (const { attendee, explicit } of result.attendees) {
    writeLine(
      io.stderr,
      `  ${attendee.id}: ${join(out, attendee.id, 'answers.yaml')} (vault ${String(explicit.keyVaultName ?? '-')}, registry ${String(explicit.acrName ?? '-')})`,
    );
  }
  writeLine(io.stderr, `Rehearse offline: ratify-runbook workshop run --dir ${out} --sandbox`);
  return ExitCode.done;
}

async function exportWorkflows(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('workshop export', args, {
    dir: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    concurrency: { type: 'string' },
    ...option.help,
  });
  const dir = required(parsed, 'dir', 'export');
  oneOf(required(parsed, 'format', 'export'), ['github-actions'], '--format', 'github-actions');
  const [{ exportGithubActions }, { DEFAULT_CONCURRENCY }] = await Promise.all([
    import('../../workshop/github-export.js'),
    import('../../workshop/commands.js'),
  ]);
  const concurrency = concurrencyOf(stringOption(parsed, 'concurrency'), DEFAULT_CONCURRENCY);
  const result = await exportGithubActions({ dir, out: stringOption(parsed, 'out'), concurrency, cwd: io.cwd });
  for (const note of result.notes) writeLine(io.stderr, `! ${note}`);
  if (result.stdout !== undefined) {
    io.stdout.write(result.stdout);
    return ExitCode.done;
  }
  const shown = result.written.map((path) => relative(io.cwd, path) || path);
  writeLine(io.stderr, `✔ Wrote ${shown.join(' and ')}: ${result.attendees.length} attendee(s), one job each.`);
  writeLine(io.stderr, '  Next: set up the Azure sign-in (workshop/README.md, "Run the workshop on GitHub Actions"), then commit them:');
  writeLine(io.stderr, `  git add ${shown.join(' ')} ${result.workshopDir}/workshop.yaml ${result.workshopDir}/*/answers.yaml`);
  writeLine(io.stderr, '  and start "ratify-workshop" from the Actions tab (tick "sandbox" to rehearse offline first).');
  return ExitCode.done;
}

async function status(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('workshop status', args, { dir: { type: 'string' }, ...option.json, ...option.help });
  const dir = required(parsed, 'dir', 'status');
  const [{ workshopStatus }, steps] = await Promise.all([import('../../workshop/commands.js'), loadSteps()]);
  return workshopStatus(io, { dir, json: flag(parsed, 'json') }, steps);
}

async function dashboard(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs('workshop dashboard', args, { dir: { type: 'string' }, ...serveOptions, ...option.help });
  const dir = required(parsed, 'dir', 'dashboard');
  const { watchDashboard } = await import('./workshop-dashboard.js');
  return watchDashboard(io, { dir, port: portOf(parsed), open: !flag(parsed, 'no-open') });
}

async function batch(io: Io, command: 'run' | 'teardown', args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(`workshop ${command}`, args, {
    ...(command === 'run' ? { dashboard: { type: 'boolean' }, ...serveOptions, 'exit-when-done': { type: 'boolean' } } : {}),
    dir: { type: 'string' },
    attendee: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    'retry-failed': { type: 'boolean' },
    ...option.sandbox,
    ...option.json,
    ...option.yes,
    ...option.help,
  });
  const dirArg = required(parsed, 'dir', command);
  const dir = resolve(io.cwd, dirArg);
  const served = flag(parsed, 'dashboard');
  if (!served && ['port', 'no-open', 'exit-when-done'].some((name) => parsed.values[name] !== undefined)) {
    throw new UsageError('--port, --no-open and --exit-when-done go with --dashboard.', ['Add --dashboard to serve the live matrix.']);
  }
  const sandbox = sandboxFlags(parsed);
  if (command === 'run' && flag(parsed, 'yes')) {
    // Harmless (workshop runs never prompt), but say so rather than silently accept it.
    writeLine(io.stderr, '! --yes has no effect on workshop run: attendees always run non-interactively.');
  }
  const [workshopCommands, steps] = await Promise.all([import('../../workshop/commands.js'), loadSteps()]);
  const options: BatchCommandOptions = {
    dir: dirArg,
    concurrency: concurrencyOf(stringOption(parsed, 'concurrency'), workshopCommands.DEFAULT_CONCURRENCY),
    only: listOption(parsed, 'attendee'),
    retryFailed: flag(parsed, 'retry-failed'),
    sandbox: sandbox !== undefined,
    json: flag(parsed, 'json'),
  };
  // One simulated tenant for everyone, so a name collision behaves as in Azure.
  const worldDir = sandbox ? join(dir, 'sandbox') : undefined;
  const where = worldDir ? { worldDir } : {};
  // The workshop owns the shared world for the whole batch: every attendee's run joins it as a
  // client, so one attendee finishing (and closing its handle) never stops the others' world.
  // Started with the first attendee, so a batch refused up front (or with no one to run) starts nothing.
  let world: Promise<{ close(): Promise<void> }> | undefined;
  const joinWorld = async () => {
    if (sandbox && worldDir) await (world ??= holdWorld(worldDir, sandbox.latency));
  };
  try {
    if (command === 'run') {
      const { runRunbook } = await import('./run.js');
      const flags = `--dir ${dirArg}${sandbox ? ' --sandbox' : ''}`;
      // An attendee's state dir belongs to the workshop: its next commands are the workshop's.
      const next = [
        { command: `ratify-runbook workshop status --dir ${dirArg}`, what: 'where every attendee stands' },
        { command: `ratify-runbook workshop teardown ${flags}`, what: 'remove what the runbook created for every attendee' },
      ];
      const task: AttendeeTask = async (attendeeIo, attendee, events) => {
        await joinWorld();
        const answersFile = join(attendee.stateDir, 'answers.yaml');
        return runRunbook(attendeeIo, { stateDir: attendee.stateDir, answersFile, interactive: false, sandbox, events, next, ...where });
      };
      const runBatch = (extra: Partial<BatchCommandOptions>) => workshopCommands.workshopRun(io, { ...options, ...extra }, task, steps);
      if (!served) return await runBatch({});
      const { runWithDashboard } = await import('./workshop-dashboard.js');
      const open = !flag(parsed, 'no-open');
      const serving = { dir: dirArg, port: portOf(parsed), open, exitWhenDone: flag(parsed, 'exit-when-done') };
      return await runWithDashboard(io, serving, runBatch);
    }
    const { teardownRunbook } = await import('./teardown.js');
    const yes = flag(parsed, 'yes');
    const { isInteractive } = await import('../../prompts/collect-answers.js');
    const canAsk = isInteractive({ stdinIsTTY: io.stdin.isTTY, env: io.env, yes });
    const confirm = async (question: string): Promise<boolean> => {
      const { createInquirerPrompter } = await import('../../prompts/prompter.js');
      return createInquirerPrompter({ input: io.stdin, output: io.stderr, signal: io.signal }).confirm({
        key: 'teardown',
        message: question,
        default: false,
      });
    };
    const task: AttendeeTask = async (attendeeIo, attendee, events) => {
      await joinWorld();
      return teardownRunbook(attendeeIo, { stateDir: attendee.stateDir, yes: true, sandbox, events, ...where });
    };
    return await workshopCommands.workshopTeardown(io, { ...options, confirmed: yes, confirm: canAsk ? confirm : undefined }, task, steps);
  } finally {
    if (world) await (await world.catch(() => undefined))?.close();
  }
}

async function holdWorld(worldDir: string, latency: string | undefined): Promise<{ close(): Promise<void> }> {
  // The owner runs in its own process: the world's work for every attendee's tool calls runs
  // on another core than the attendees' runbooks (see sandbox/owner-process.ts).
  const { startOwnerProcess } = await loadSandbox();
  try {
    return await startOwnerProcess({ worldDir, ...(latency ? { latency } : {}) });
  } catch (error) {
    throw new UsageError(`Could not start the sandbox: ${(error as Error).message}`);
  }
}

/** The flow's steps for the matrix columns; steps/index.ts is the ordered list. */
async function loadSteps(): Promise<readonly { id: string; title: string }[]> {
  const { steps } = await import('../../steps/index.js');
  return steps;
}

function required(parsed: Parsed, name: string, command: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`workshop ${command} needs --${name}.`, [`Run \`ratify-runbook workshop ${command} --help\` for the options.`]);
  }
  return value;
}

function concurrencyOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency ${value}: expected a whole number from 1 to 64.`);
  return n;
}
