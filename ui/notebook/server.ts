/**
 * The notebook's routes: the page, its live parts over server-sent events, the buttons and the
 * answers. Parts that change are drawn again at most every 100 ms and sent only when their HTML
 * changed, so a chatty step (a log line every few ms) costs the page a few updates a second.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docsRoute } from '../docs-page.js';
import { raw } from '../html.js';
import { randomToken } from '../security.js';
import { answerPost, sendHtml, sendText, startUiServer, type UiServer } from '../server.js';
import { SseHub } from '../sse.js';
import { notebookPage, partIds, renderPart, type PageContext } from './render.js';
import type { NotebookSession, SessionAction } from './session.js';

const FLUSH_MS = 100;
const actions: readonly SessionAction[] = ['run', 'skip', 'all', 'stop', 'retry'];

export async function startNotebookServer(session: NotebookSession, port: number): Promise<UiServer> {
  const hub = new SseHub();
  // Forms are drawn once for every browser session; each one's CSRF token replaces this marker.
  const marker = `csrf-${randomToken(9)}`;
  const context: PageContext = { session, csrf: marker };
  const personalize = (csrf: string) => (text: string) => text.replaceAll(marker, csrf);
  const sent = new Map<string, string>();
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const parts: { id: string; html: string }[] = [];
    for (const id of dirty) {
      const html = renderPart(id, context)?.text;
      if (html === undefined || sent.get(id) === html) continue;
      sent.set(id, html);
      parts.push({ id, html });
    }
    dirty.clear();
    if (parts.length > 0) hub.broadcast('patch', { parts });
  };
  const stopWatching = session.onChange((part) => {
    dirty.add(part);
    timer ??= setTimeout(flush, FLUSH_MS);
  });

  const server = await startUiServer({
    port,
    title: 'ratify-runbook notebook',
    routes: [
      {
        method: 'GET',
        path: '/',
        handler: ({ res, session: browser }) => sendHtml(res, 200, raw(personalize(browser.csrf)(notebookPage(context).text))),
      },
      {
        method: 'GET',
        path: '/events',
        handler: ({ res, session: browser }) => {
          const client = hub.open(res, personalize(browser.csrf));
          // A page that (re)connects gets every part as it is now: nothing between its load and this is lost.
          const parts = partIds(session).map((id) => ({ id, html: renderPart(id, context)?.text ?? '' }));
          hub.send(client, 'patch', { parts });
        },
      },
      {
        method: 'POST',
        path: '/action',
        handler: (request) => {
          const action = request.form.action as SessionAction;
          if (!actions.includes(action)) return sendText(request.res, 400, `Unknown action ${JSON.stringify(request.form.action)}.`);
          const problem = session.act(action, request.form.step || undefined);
          answerPost(request, problem === undefined ? { ok: true } : { ok: false, problem });
        },
      },
      {
        method: 'POST',
        path: '/answer',
        handler: (request) => answerPost(request, session.answer(request.form.question ?? '', request.form.value ?? '')),
      },
      {
        method: 'GET',
        path: '/notebook.md',
        handler: async ({ res }) => {
          const text = await readFile(join(session.options.stateDir, 'notebook.md'), 'utf8').catch(() => undefined);
          if (text === undefined) return sendText(res, 404, 'No notebook.md yet: it is written once the run starts.');
          res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
          res.end(text);
        },
      },
      docsRoute,
    ],
  });
  return {
    ...server,
    async close() {
      stopWatching();
      if (timer) clearTimeout(timer);
      hub.close();
      await server.close();
    },
  };
}
