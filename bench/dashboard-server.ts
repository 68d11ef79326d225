/**
 * A server for the dashboard bench, in its own process so its memory is its own. Mode
 * `dashboard`: the real workshop dashboard over a workshop dir, fed step events through IPC
 * (as `workshop run --dashboard` feeds it from the batch). Mode `floor`: the least a live page
 * needs (the same table and the same event stream, nothing else), the latency and memory floor.
 * Each `emit` message is stamped (epoch ms, sub-ms) the moment the event is applied.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmitMessage {
  readonly emit: readonly { readonly attendee: string; readonly step: string; readonly phase: 'checking' | 'done' }[];
}

const now = () => performance.timeOrigin + performance.now();

async function dashboard(dir: string): Promise<{ url: string; apply: (message: EmitMessage) => void }> {
  const [{ steps }, { readWorkshopFile }, { DashboardSource }, { startDashboardServer }] = await Promise.all([
    import('../steps/index.js'),
    import('../workshop/workshop-file.js'),
    import('../ui/dashboard/source.js'),
    import('../ui/dashboard/server.js'),
  ]);
  const file = await readWorkshopFile(dir);
  if (!file) throw new Error(`no workshop in ${dir}`);
  const source = new DashboardSource(
    dir,
    steps.map((s) => s.id),
    file.attendees,
  );
  const server = await startDashboardServer({ source, steps, port: 0, retryFailed: () => 'bench' });
  return {
    url: server.url,
    apply: ({ emit }) => {
      for (const { attendee, step, phase } of emit) {
        source.applyBatchEvent({
          type: 'progress',
          attendee,
          event: {
            type: 'step',
            at: new Date().toISOString(),
            stepId: step,
            phase,
            status: phase === 'done' ? 'done' : 'running',
            attempt: 1,
          },
        });
      }
    },
  };
}

async function floor(
  attendees: readonly string[],
  stepIds: readonly string[],
): Promise<{ url: string; apply: (message: EmitMessage) => void }> {
  const clients = new Set<ServerResponse>();
  const cells = attendees
    .map((a) => `<tr>${stepIds.map((s) => `<td data-attendee="${a}" data-step="${s}" data-status="pending"></td>`).join('')}</tr>`)
    .join('\n');
  const page = `<!doctype html><html><body><table><tbody id="rows">${cells}</tbody></table><script src="/floor.js"></script></body></html>`;
  const script = `const cells = new Map();
for (const td of document.querySelectorAll('td')) cells.set(td.dataset.attendee + '\\n' + td.dataset.step, td);
const source = new EventSource('/events');
source.onopen = () => (document.body.dataset.live = 'yes');
source.addEventListener('cells', (e) => { for (const [a, s, st] of JSON.parse(e.data)) cells.get(a + '\\n' + s).dataset.status = st; });`;
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('retry: 1000\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return;
    }
    const js = req.url === '/floor.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? script : page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    apply: ({ emit }) => {
      const data = JSON.stringify(emit.map(({ attendee, step, phase }) => [attendee, step, phase === 'done' ? 'done' : 'running']));
      for (const client of clients) client.write(`event: cells\ndata: ${data}\n\n`);
    },
  };
}

/** Read-only mode: the dashboard learns everything from the ledgers on disk (the bench writes them). */
async function readOnly(dir: string): Promise<{ url: string; apply: (message: EmitMessage) => void }> {
  const [{ steps }, { readWorkshopFile }, { DashboardSource }, { startDashboardServer }, { watchLedgers }] = await Promise.all([
    import('../steps/index.js'),
    import('../workshop/workshop-file.js'),
    import('../ui/dashboard/source.js'),
    import('../ui/dashboard/server.js'),
    import('../ui/dashboard/ledger-watcher.js'),
  ]);
  const file = await readWorkshopFile(dir);
  if (!file) throw new Error(`no workshop in ${dir}`);
  const source = new DashboardSource(
    dir,
    steps.map((s) => s.id),
    file.attendees,
  );
  await watchLedgers(source, file.attendees);
  const server = await startDashboardServer({ source, steps, port: 0 });
  return { url: server.url, apply: () => {} };
}

const [mode, dir, attendeeList, stepList] = process.argv.slice(2);
const served =
  mode === 'dashboard'
    ? await dashboard(dir!)
    : mode === 'read-only'
      ? await readOnly(dir!)
      : await floor(attendeeList!.split(','), stepList!.split(','));
process.on('message', (message: EmitMessage | { memory: true }) => {
  if ('memory' in message) {
    process.send!({ memory: process.memoryUsage() });
    return;
  }
  const at = now();
  served.apply(message);
  process.send!({ at });
});
process.send!({ url: served.url });
