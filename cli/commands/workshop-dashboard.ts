import { resolve } from 'node:path';
import { ExitCode } from '../../kernel/errors.js';
import { writeLine, type Io } from '../../kernel/io.js';
import type { BatchCommandOptions } from '../../workshop/commands.js';
import { openInBrowser, portInUse } from '../serve-flags.js';

export interface DashboardFlags {
  /** The workshop dir, as given. */
  readonly dir: string;
  readonly port: number;
  readonly open: boolean;
  /** Live mode only: stop serving when the batch ends. */
  readonly exitWhenDone?: boolean;
}

/** Runs one batch with extra options (the dashboard's event listener, --retry-failed for a retry). */
export type RunBatch = (extra: Partial<BatchCommandOptions>) => Promise<number>;

/**
 * `workshop run --dashboard`: the batch runs as without it, and its events also feed a local
 * page with the attendee x step matrix. When the batch ends the page stays served (until
 * Ctrl-C, the batch's exit code) and offers Retry failed, which runs the failed attendees again
 * in this process; `--exit-when-done` ends with the batch instead.
 */
export async function runWithDashboard(io: Io, flags: DashboardFlags, runBatch: RunBatch): Promise<number> {
  const { source, serve } = await openSource(io, flags.dir);
  let wake: (() => void) | undefined;
  const server = await serve({
    port: flags.port,
    retryFailed: () => {
      if (source.batch.running) return 'the batch is still running';
      const failed = source.matrix.rows.filter((r) => r.state === 'failed' || r.state === 'interrupted');
      if (failed.length === 0) return 'no attendee has failed';
      wake?.();
      return undefined;
    },
  });
  const opened = await announce(io, server.url, flags.open);
  try {
    let retry = false;
    for (;;) {
      source.batchStarted();
      const code = await runBatch({ onEvent: (event) => source.applyBatchEvent(event), ...(retry ? { retryFailed: true } : {}) }).catch(
        (error: unknown) => {
          source.batchEnded(ExitCode.usage);
          throw error;
        },
      );
      source.batchEnded(code);
      if (flags.exitWhenDone || io.signal.aborted) return code;
      writeLine(io.stderr, 'The dashboard stays served until Ctrl-C; "Retry failed" on the page runs the failed attendees again.');
      const next = await new Promise<'retry' | 'stop'>((done) => {
        wake = () => done('retry');
        io.signal.addEventListener('abort', () => done('stop'), { once: true });
      });
      wake = undefined;
      if (next === 'stop') return code;
      retry = true;
    }
  } finally {
    await server.close();
    await opened.cleanup();
  }
}

/**
 * `workshop dashboard --dir DIR`: a read-only page of a run started elsewhere, learnt from the
 * attendees' ledgers on disk. Nothing is run or written; Ctrl-C stops it (exit 0).
 */
export async function watchDashboard(io: Io, flags: DashboardFlags): Promise<number> {
  const { source, serve, attendees } = await openSource(io, flags.dir);
  const { watchLedgers } = await import('../../ui/dashboard/ledger-watcher.js');
  const watcher = await watchLedgers(source, attendees);
  const server = await serve({ port: flags.port });
  const opened = await announce(io, server.url, flags.open);
  writeLine(io.stderr, "Watching the attendees' ledgers (read-only). Ctrl-C stops it.");
  await new Promise<void>((done) => {
    if (io.signal.aborted) done();
    else io.signal.addEventListener('abort', () => done(), { once: true });
  });
  watcher.close();
  await server.close();
  await opened.cleanup();
  return ExitCode.done;
}

async function openSource(io: Io, dirArg: string) {
  const dir = resolve(io.cwd, dirArg);
  const [{ requireWorkshopFile }, { readAttendeeState }, { steps }, { DashboardSource }, { startDashboardServer }] = await Promise.all([
    import('../../workshop/workshop-file.js'),
    import('../../workshop/attendee-state.js'),
    import('../../steps/index.js'),
    import('../../ui/dashboard/source.js'),
    import('../../ui/dashboard/server.js'),
  ]);
  const file = await requireWorkshopFile(dir);
  const source = new DashboardSource(
    dir,
    steps.map((s) => s.id),
    file.attendees,
  );
  for (const state of await Promise.all(file.attendees.map((id) => readAttendeeState(dir, id)))) source.applyAttendeeState(state);
  const serve = async (options: { port: number; retryFailed?: () => string | undefined }) => {
    try {
      return await startDashboardServer({ source, steps, ...options });
    } catch (error) {
      throw portInUse(error, options.port);
    }
  };
  return { source, steps, serve, attendees: file.attendees };
}

async function announce(io: Io, url: string, open: boolean) {
  writeLine(io.stdout, url);
  writeLine(io.stderr, 'The workshop dashboard is served at the address above (127.0.0.1 only).');
  const opened = open ? await openInBrowser(io, url) : { cleanup: async () => {} };
  if ('warning' in opened && opened.warning) writeLine(io.stderr, `! ${opened.warning}`);
  return opened;
}
