/**
 * The workshop dashboard, drawn on the server: one row per attendee (failed ones first), one
 * cell per step carrying data-attendee, data-step and data-status (the words of `status
 * --json`). The page's script then moves single cells as events arrive.
 */
import type { Step } from '../../runner/step.js';
import type { AttendeeState } from '../../workshop/attendee-state.js';
import { counts, type MatrixRow } from '../../workshop/matrix.js';
import { html, type Html } from '../html.js';
import { ledgerCellView } from '../notebook/cells.js';
import { stepCell } from '../notebook/render.js';
import { rowSummary, statusOfCell, type DashboardSource } from './source.js';

export interface DashboardContext {
  readonly source: DashboardSource;
  readonly steps: readonly Pick<Step, 'id' | 'title'>[];
  /** Live mode (`workshop run --dashboard`) can retry the failed attendees; read-only mode cannot. */
  readonly canRetry: boolean;
  /** Stands for the browser session's CSRF token in forms. */
  readonly csrf: string;
}

function page(title: string, body: Html, script: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/ui.css"><link rel="icon" href="/assets/icon.svg">
<script type="module" src="/assets/${script}"></script>
</head>
<body class="dashboard">
${body}
<noscript><p class="noscript">Live updates need JavaScript; without it, reload the page.</p></noscript>
</body>
</html>
`;
}

export function dashboardPage(context: DashboardContext): Html {
  const { source, steps } = context;
  return page(
    'ratify-runbook workshop',
    html`<header class="top"><h1>Workshop: ${source.matrix.rows.length} attendees</h1>
<p class="sub">Workshop dir <code>${source.dir}</code>.
${context.canRetry ? 'This process runs the batch.' : "Read-only: watching the attendees' ledgers on disk."}
Click an attendee for their notebook and log.</p></header>
${batchPart(context)}
<table class="matrix" id="matrix">
<thead><tr><th>attendee</th><th>state</th>
${steps.map((s, i) => html`<th class="step" title="${s.title}" scope="col">${i + 1}. ${s.id}</th>`)}
<th>last step &middot; hint</th></tr></thead>
<tbody id="rows">
${source.orderedRows().map((row) => rowPart(row, context))}
</tbody>
</table>`,
    'dashboard.js',
  );
}

export function batchPart(context: DashboardContext): Html {
  const { source } = context;
  const tally = counts(source.matrix);
  const batch = source.batch;
  const failed = (tally.failed ?? 0) + (tally.interrupted ?? 0);
  const status = batch.running
    ? 'The batch is running.'
    : batch.lastExit === undefined
      ? context.canRetry
        ? 'Starting…'
        : ''
      : batch.lastExit === 0
        ? '✔ The batch finished: every attendee done.'
        : `The batch finished (exit ${batch.lastExit}).`;
  return html`<div id="batch" class="run-status" data-running="${batch.running ? 'yes' : 'no'}" data-runs="${batch.runs}" role="status">
<p class="counts">${Object.entries(tally).map(([state, n]) => html`<span data-count="${state}">${state}: <strong>${n}</strong></span>`)}
${status}</p>
${
  context.canRetry && !batch.running && failed > 0
    ? html`<form class="act" method="post" action="/retry-failed"><input type="hidden" name="csrf" value="${context.csrf}">
<button class="primary">Retry failed (${failed})</button></form>`
    : ''
}
</div>`;
}

export function rowPart(row: MatrixRow, context: DashboardContext): Html {
  const order = context.source.matrix.rows.indexOf(row);
  return html`<tr id="row-${row.id}" data-attendee="${row.id}" data-state="${row.state}" data-order="${order}">
<th scope="row"><a href="/attendee/${encodeURIComponent(row.id)}">${row.id}</a></th><td class="state">${row.state}</td>${context.steps.map(
    (step) => {
      const status = statusOfCell(row.cells.get(step.id));
      return html`<td class="cell-status" data-attendee="${row.id}" data-step="${step.id}" data-status="${status}"
 title="${step.id}: ${status}"></td>`;
    },
  )}<td class="hint" title="${row.hint ?? ''}">${rowSummary(row)}</td></tr>`;
}

export interface AttendeeView {
  readonly state: AttendeeState;
  readonly row: MatrixRow;
  readonly transcript: string;
  readonly stepLog?: { readonly path: string; readonly text: string } | undefined;
}

export function attendeePage(view: AttendeeView, steps: readonly Step[]): Html {
  return page(
    `${view.row.id} · ratify-runbook workshop`,
    html`<nav><a href="/">&larr; every attendee</a></nav>
<header class="top"><h1>${view.row.id}</h1>
<p class="sub">State dir <code>${view.state.stateDir}</code>.
Their notebook and log, from the files on disk (refreshed every 2 s).</p></header>
${attendeeParts(view, steps)}`,
    'attendee.js',
  );
}

export function attendeeParts(view: AttendeeView, steps: readonly Step[]): Html {
  const { state, row } = view;
  return html`<div id="attendee" data-attendee="${row.id}" data-state="${row.state}">
<p class="attendee-state" role="status">State: <strong>${row.state}</strong>
${row.lastStep ? html` &middot; last step <code>${row.lastStep}</code>` : ''}${row.hint ? html` &middot; ${row.hint}` : ''}</p>
<section class="tail"><h2>Log tail</h2>
<h3>Workshop transcript <small><code>logs/workshop-run.log</code></small></h3><pre class="log">${view.transcript || '(nothing yet)'}</pre>
${view.stepLog ? html`<h3>Step log <small><code>${view.stepLog.path}</code></small></h3><pre class="log">${view.stepLog.text}</pre>` : ''}
</section>
<h2>Notebook</h2>
<ol class="cells">${steps.map(
    (step, index) => html`<li>${stepCell(ledgerCellView(step, index, state.ledger?.steps[step.id], state.locked))}</li>`,
  )}</ol>
</div>`;
}
