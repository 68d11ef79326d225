/**
 * The workshop dashboard's routes: the matrix, its changes over server-sent events (a cell as
 * three strings, sent the moment it changes; a row's HTML when its state or hint changes), an
 * attendee's notebook and log tail, and Retry failed when this process runs the batch.
 */
import { join } from 'node:path';
import type { Step } from '../../runner/step.js';
import { readAttendeeState } from '../../workshop/attendee-state.js';
import { rowOf } from '../../workshop/matrix.js';
import { docsRoute } from '../docs-page.js';
import { raw } from '../html.js';
import { readTail } from '../log-tail.js';
import { randomToken } from '../security.js';
import { answerPost, sendHtml, sendJson, sendText, startUiServer, type UiServer } from '../server.js';
import { SseHub } from '../sse.js';
import { attendeePage, attendeeParts, batchPart, dashboardPage, rowPart, type AttendeeView, type DashboardContext } from './render.js';
import { rowSummary, statusOfCell, type DashboardSource } from './source.js';

export interface DashboardServerOptions {
  readonly source: DashboardSource;
  readonly steps: readonly Step[];
  readonly port: number;
  /** Live mode: starts a batch of the failed attendees; returns why it cannot, or undefined. */
  readonly retryFailed?: (() => string | undefined) | undefined;
}

const ATTENDEE_PATH = /^\/attendee\/[^/]+(?:\/parts)?$/;

export async function startDashboardServer(options: DashboardServerOptions): Promise<UiServer> {
  const { source, steps } = options;
  const hub = new SseHub();
  const marker = `csrf-${randomToken(9)}`;
  const context: DashboardContext = { source, steps, canRetry: options.retryFailed !== undefined, csrf: marker };
  const personalize = (csrf: string) => (text: string) => text.replaceAll(marker, csrf);

  // Cells go out at once (batched only within one turn of the event loop), as three strings each;
  // a row's state and last column likewise, as data (the page patches them in place); the batch
  // line (the counts) is drawn again once per turn at most.
  let cells: [string, string, string][] = [];
  const rows = new Set<string>();
  let batch = false;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (cells.length > 0) hub.broadcast('cells', cells);
    cells = [];
    if (rows.size > 0) {
      hub.broadcast(
        'rows',
        [...rows].map((id) => {
          const row = rowOf(source.matrix, id);
          return { id, state: row.state, summary: rowSummary(row), hint: row.hint ?? '' };
        }),
      );
    }
    rows.clear();
    if (batch) hub.broadcast('batch', { html: batchPart(context).text });
    batch = false;
  };
  const stopWatching = source.onChange((change) => {
    if (change.kind === 'cell') cells.push([change.attendee, change.step, change.status]);
    else if (change.kind === 'row') rows.add(change.attendee);
    else batch = true;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });

  const attendeeView = async (id: string): Promise<AttendeeView> => {
    const state = await readAttendeeState(source.dir, id);
    const row = rowOf(source.matrix, id);
    // The step to show the log of: the one that failed, else the one running, else the last that moved.
    const records = Object.entries(state.ledger?.steps ?? {});
    const stuck =
      records.find(([, r]) => r.status === 'failed' || r.status === 'interrupted') ?? records.find(([, r]) => r.status === 'running');
    const logFile = (stuck?.[1] ?? (row.lastStep ? state.ledger?.steps[row.lastStep] : undefined))?.logs.at(-1);
    return {
      state,
      row,
      transcript: await readTail(join(state.stateDir, 'logs', 'workshop-run.log')),
      stepLog: logFile ? { path: logFile, text: await readTail(join(state.stateDir, logFile), 40) } : undefined,
    };
  };

  const server = await startUiServer({
    port: options.port,
    title: 'ratify-runbook workshop dashboard',
    routes: [
      {
        method: 'GET',
        path: '/',
        handler: ({ res, session }) => sendHtml(res, 200, raw(personalize(session.csrf)(dashboardPage(context).text))),
      },
      {
        method: 'GET',
        path: '/events',
        handler: ({ res, session }) => {
          const client = hub.open(res, personalize(session.csrf));
          // A (re)connecting page gets every cell as it is now, then only changes.
          const all: [string, string, string][] = source.matrix.rows.flatMap((row) =>
            steps.map((step): [string, string, string] => [row.id, step.id, statusOfCell(row.cells.get(step.id))]),
          );
          hub.send(client, 'reset', {
            rows: source
              .orderedRows()
              .map((row) => rowPart(row, context).text)
              .join('\n'),
            batch: batchPart(context).text,
          });
          hub.send(client, 'cells', all);
        },
      },
      {
        method: 'GET',
        path: ATTENDEE_PATH,
        handler: async ({ path, res }) => {
          const [, , encoded, parts] = path.split('/');
          const id = decodeURIComponent(encoded ?? '');
          if (!source.matrix.rows.some((r) => r.id === id)) return sendText(res, 404, `No attendee ${id} in this workshop.`);
          const view = await attendeeView(id);
          if (parts) return sendJson(res, 200, { html: attendeeParts(view, steps).text });
          sendHtml(res, 200, attendeePage(view, steps));
        },
      },
      {
        method: 'POST',
        path: '/retry-failed',
        handler: (request) => {
          if (!options.retryFailed) return sendText(request.res, 404, 'Read-only dashboard: retry from the terminal that runs the batch.');
          const problem = options.retryFailed();
          answerPost(request, problem === undefined ? { ok: true } : { ok: false, problem });
        },
      },
      docsRoute,
    ],
  });
  return {
    ...server,
    async close() {
      stopWatching();
      hub.close();
      await server.close();
    },
  };
}
