/**
 * The package's docs/ (errata, troubleshooting), rendered, so the links in explanations and
 * hints work from the page without the network. Only `docs/<name>.md` files are served.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { html, type Html } from './html.js';
import { renderMarkdown } from './markdown.js';
import { docsDir } from './package-files.js';
import { sendHtml, sendText, type Route } from './server.js';

export const DOCS_PATH = /^\/docs\/[A-Za-z0-9_-]+\.md$/;

export async function docsPage(name: string): Promise<Html | undefined> {
  let text: string;
  try {
    text = await readFile(join(docsDir(), name), 'utf8');
  } catch {
    return undefined;
  }
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} &middot; ratify-runbook</title><link rel="stylesheet" href="/assets/ui.css"><link rel="icon" href="/assets/icon.svg"></head>
<body class="doc"><nav><a href="/">&larr; back</a></nav><article>${renderMarkdown(text)}</article></body>
</html>
`;
}

export const docsRoute: Route = {
  method: 'GET',
  path: DOCS_PATH,
  handler: async ({ path, res }) => {
    const page = await docsPage(path.slice('/docs/'.length));
    if (!page) return sendText(res, 404, `Not found: ${path} is not in this package's docs/.`);
    sendHtml(res, 200, page);
  },
};
