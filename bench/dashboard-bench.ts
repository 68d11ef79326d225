/**
 * The workshop dashboard with 200 attendees, in headless Chromium (Debian's /usr/bin/chromium):
 * - the time from a step's event to its cell changing in the page, one event at a time and as a
 *   burst of 200 (one per attendee), against the floor: a bare server sending the same event
 *   stream to the same table in the same browser, measured in the same run;
 * - the same for the read-only dashboard, where the "event" is the attendee's ledger replaced
 *   on disk (as a run elsewhere does), against the same floor;
 * - the dashboard server's memory (RSS) against the bare server's.
 * Each server runs in its own process (bench/dashboard-server.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newLedger, stepRecord } from '../checkpoints/ledger.js';
import type { LedgerData } from '../checkpoints/ledger-schema.js';
import { writeWorkshopFile } from '../workshop/workshop-file.js';
import type { EmitMessage } from './dashboard-server.js';
import { median, row } from './measure.js';

const ATTENDEES = 200;
const CHROMIUM = '/usr/bin/chromium';
const serverScript = fileURLToPath(new URL('./dashboard-server.js', import.meta.url));

type Reply = { url: string } | { at: number } | { memory: NodeJS.MemoryUsage };
type Change = [attendee: string, step: string, status: string, at: number];

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  request(message: EmitMessage | { memory: true }): Promise<Reply>;
}

async function startServer(args: readonly string[]): Promise<Server> {
  const child = fork(serverScript, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const replies: ((reply: Reply) => void)[] = [];
  child.on('message', (reply: Reply) => replies.shift()?.(reply));
  const next = () => new Promise<Reply>((resolve) => replies.push(resolve));
  const first = (await next()) as { url: string };
  return {
    child,
    url: first.url,
    request: (message) => {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

const pct = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / Math.max(b, 0.05)).toFixed(2)}x`;

export async function dashboardBench(): Promise<string[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const { steps } = await import('../steps/index.js');
  const stepIds = steps.map((s) => s.id);
  const attendees = Array.from({ length: ATTENDEES }, (_, i) => `a${String(i + 1).padStart(3, '0')}`);
  const root = await mkdtemp(join(tmpdir(), 'rr-dash-bench-'));
  const dir = join(root, 'ws');
  await mkdir(dir, { recursive: true });
  await writeWorkshopFile(dir, {
    version: 1,
    roster: 'bench',
    attendees,
    suffixes: Object.fromEntries(attendees.map((a) => [a, 'bnch'])),
    updatedAt: new Date().toISOString(),
  });
  await Promise.all(attendees.map((a) => mkdir(join(dir, a), { recursive: true })));

  const profile = await mkdtemp(join(tmpdir(), 'rr-dash-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const servers: Server[] = [];
  try {
    /** Opens the page and records every cell change with its time (epoch ms, sub-ms). */
    const open = async (server: Server) => {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForSelector('body[data-live="yes"]', { timeout: 30_000 });
      await page.evaluate(`(() => {
        window.changes = [];
        new MutationObserver((records) => {
          const at = performance.timeOrigin + performance.now();
          for (const r of records) {
            const td = r.target;
            if (td.dataset && td.dataset.step) window.changes.push([td.dataset.attendee, td.dataset.step, td.dataset.status, at]);
          }
        }).observe(document.getElementById('rows'), { subtree: true, attributes: true, attributeFilter: ['data-status'] });
      })()`);
      return page;
    };
    const changesOf = async (page: Awaited<ReturnType<typeof open>>) => await page.evaluate<Change[]>('window.changes');
    const seenAt = (changes: readonly Change[], attendee: string, step: string, status: string) =>
      changes.find((c) => c[0] === attendee && c[1] === step && c[2] === status)?.[3];

    /** One event at a time (every attendee once), then a burst of one event per attendee. */
    const measureEvents = async (server: Server) => {
      const page = await open(server);
      const sent: [string, string, string, number][] = [];
      for (const [i, attendee] of attendees.entries()) {
        const step = stepIds[i % stepIds.length]!;
        const { at } = (await server.request({ emit: [{ attendee, step, phase: 'checking' }] })) as { at: number };
        sent.push([attendee, step, 'running', at]);
        await new Promise((r) => setTimeout(r, 10));
      }
      const burst = attendees.map((attendee, i) => ({ attendee, step: stepIds[(i + 1) % stepIds.length]!, phase: 'done' as const }));
      const { at: burstAt } = (await server.request({ emit: burst })) as { at: number };
      await page.waitForFunction(`window.changes.length >= ${ATTENDEES * 2}`, undefined, { timeout: 30_000 }).catch(() => {});
      const changes = await changesOf(page);
      const single = sent.map(([a, s, st, at]) => (seenAt(changes, a, s, st) ?? Number.NaN) - at).filter((v) => !Number.isNaN(v));
      const burstSeen = burst.map((e) => seenAt(changes, e.attendee, e.step, 'done')).filter((v): v is number => v !== undefined);
      await page.close();
      if (single.length < ATTENDEES || burstSeen.length < ATTENDEES)
        throw new Error(`only ${single.length} + ${burstSeen.length} of ${ATTENDEES * 2} cells changed`);
      return { median: median(single), p95: pct(single, 0.95), burst: Math.max(...burstSeen) - burstAt };
    };

    const floor = await startServer(['floor', dir, attendees.join(','), stepIds.join(',')]);
    servers.push(floor);
    const floorFigures = await measureEvents(floor);
    const floorMemory = ((await floor.request({ memory: true })) as { memory: NodeJS.MemoryUsage }).memory;

    const live = await startServer(['dashboard', dir]);
    servers.push(live);
    const liveFigures = await measureEvents(live);
    const liveMemory = ((await live.request({ memory: true })) as { memory: NodeJS.MemoryUsage }).memory;

    // Read-only: the event is an attendee's ledger replaced on disk, as a run in another process does.
    const watcher = await startServer(['read-only', dir]);
    servers.push(watcher);
    const page = await open(watcher);
    const ledgers = new Map<string, LedgerData>();
    const written: [string, string, number][] = [];
    for (const [i, attendee] of attendees.slice(0, 100).entries()) {
      const step = stepIds[i % stepIds.length]!;
      const ledger = ledgers.get(attendee) ?? newLedger({ kind: 'sandbox' }, new Date());
      ledgers.set(attendee, ledger);
      Object.assign(stepRecord(ledger, step), { status: 'done', attempts: 1 });
      const tmp = join(dir, attendee, 'state.json.tmp');
      await writeFile(tmp, JSON.stringify(ledger));
      const at = performance.timeOrigin + performance.now();
      await rename(tmp, join(dir, attendee, 'state.json'));
      written.push([attendee, step, at]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await page.waitForFunction(`window.changes.length >= 100`, undefined, { timeout: 30_000 }).catch(() => {});
    const changes = await changesOf(page);
    const fromDisk = written.map(([a, s, at]) => (seenAt(changes, a, s, 'done') ?? Number.NaN) - at).filter((v) => !Number.isNaN(v));
    const watcherMemory = ((await watcher.request({ memory: true })) as { memory: NodeJS.MemoryUsage }).memory;
    if (fromDisk.length < 100) throw new Error(`read-only: only ${fromDisk.length} of 100 ledger changes reached the page`);

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    return [
      row(
        `event -> cell, median (p95), ${ATTENDEES} attendees: dashboard vs floor`,
        `${ms(liveFigures.median)} (${ms(liveFigures.p95)}) vs ${ms(floorFigures.median)} (${ms(floorFigures.p95)}): ` +
          ratio(liveFigures.median, floorFigures.median),
      ),
      row(
        `burst of ${ATTENDEES} events -> last cell: dashboard vs floor`,
        `${ms(liveFigures.burst)} vs ${ms(floorFigures.burst)}: ${ratio(liveFigures.burst, floorFigures.burst)}`,
      ),
      row(
        'read-only: ledger replaced on disk -> cell, median (p95) vs floor',
        `${ms(median(fromDisk))} (${ms(pct(fromDisk, 0.95))}) vs ${ms(floorFigures.median)}: ` +
          ratio(median(fromDisk), floorFigures.median),
      ),
      row(
        `server RSS, ${ATTENDEES} attendees, page open: dashboard vs floor`,
        `${mb(liveMemory.rss)} vs ${mb(floorMemory.rss)}: ${ratio(liveMemory.rss, floorMemory.rss)} (heap ${mb(liveMemory.heapUsed)})`,
      ),
      row(
        'read-only dashboard server RSS vs floor',
        `${mb(watcherMemory.rss)} vs ${mb(floorMemory.rss)}: ${ratio(watcherMemory.rss, floorMemory.rss)}`,
      ),
    ];
  } finally {
    for (const server of servers) server.child.kill();
    await browser.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await dashboardBench()) process.stdout.write(`${line}\n`);
}
