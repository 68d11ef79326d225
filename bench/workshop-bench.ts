/**
 * `npm run bench`, workshop section: 50 attendees, concurrency 10, on the sandbox with the
 * `demo` latency (waiting dominates, as with real Azure). Compares the batch's wall time with
 * ceil(50/10) x one single-attendee run measured here too (target ratio <= 1.2), and reports the
 * host process's peak RSS (target <= 400 MB): the attendees run in this process, their tools
 * (the fake az, kubectl, helm, notation) in child processes.
 * Runs the real CLI entry in-process (`main`), the same path `ratify-runbook workshop` takes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, Readable } from 'node:stream';
import { main } from '../cli/main.js';
import type { Io } from '../kernel/io.js';
import { row } from './measure.js';

const ATTENDEES = 50;
const CONCURRENCY = 10;

export async function workshopBench(): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'rr-workshop-bench-'));
  try {
    const single = await timedWorkshop(root, 'single', 1, 1);
    const batch = await timedWorkshop(root, 'batch', ATTENDEES, CONCURRENCY);
    const ideal = Math.ceil(ATTENDEES / CONCURRENCY) * single.ms;
    const ratio = batch.ms / ideal;
    const peakMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in kilobytes
    return [
      row('one attendee, sandbox demo latency (wall)', `${(single.ms / 1000).toFixed(1)} s (exit ${single.code})`),
      row(`${ATTENDEES} attendees, concurrency ${CONCURRENCY} (wall)`, `${(batch.ms / 1000).toFixed(1)} s (exit ${batch.code})`),
      row(
        `ratio to ceil(${ATTENDEES}/${CONCURRENCY}) x single (target <= 1.2)`,
        `${ratio.toFixed(2)} ${ratio <= 1.2 ? 'ok' : 'OVER TARGET'}`,
      ),
      row('host process peak RSS (target <= 400 MB)', `${peakMb.toFixed(0)} MB ${peakMb <= 400 ? 'ok' : 'OVER TARGET'}`),
      ...(single.code !== 0 || batch.code !== 0 ? ['! some runs failed (exit above): the times do not measure full walkthroughs'] : []),
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function timedWorkshop(root: string, name: string, attendees: number, concurrency: number): Promise<{ ms: number; code: number }> {
  const roster = join(root, `${name}.csv`);
  const dir = join(root, name);
  await writeFile(
    roster,
    `id,name\n${Array.from({ length: attendees }, (_, i) => `attendee-${String(i + 1).padStart(2, '0')},Attendee ${i + 1}`).join('\n')}\n`,
  );
  const init = await cli(['workshop', 'init', '--roster', roster, '--out', dir]);
  if (init !== 0) throw new Error(`workshop init exited ${init}`);
  const start = performance.now();
  const code = await cli(['workshop', 'run', '--dir', dir, '--sandbox', '--sandbox-latency', 'demo', '--concurrency', String(concurrency)]);
  return { ms: performance.now() - start, code };
}

/** The CLI with a quiet, non-TTY Io: the bench prints only its own figures. */
function cli(argv: string[]): Promise<number> {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  const io: Io = {
    argv,
    env: { ...process.env, CI: '1' },
    cwd: process.cwd(),
    stdout: sink(),
    stderr: sink(),
    stdin: Readable.from([]),
    signal: new AbortController().signal,
  };
  return main(io);
}
