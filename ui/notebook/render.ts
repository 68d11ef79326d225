/**
 * The notebook page, drawn on the server: the first HTML already holds every step (it reads
 * without JavaScript, and its forms work without it too); the page's script then swaps in the
 * parts the server sends again as the run moves. Each part is one element with a stable id.
 */
import { describeTarget } from '../../checkpoints/ledger.js';
import { formatDuration } from '../../runner/step-context.js';
import { summarizeRun } from '../../runner/run-summary.js';
import { skipText, type RunSummary } from '../../runner/progress-events.js';
import { html, type Html } from '../html.js';
import { renderInlineMarkdown, renderMarkdown } from '../markdown.js';
import { cellViews, type CellView } from './cells.js';
import type { NotebookSession } from './session.js';
import type { PendingQuestion } from './web-prompter.js';

export interface PageContext {
  readonly session: NotebookSession;
  /** Stands for the session's CSRF token in every form; replaced per browser session. */
  readonly csrf: string;
}

export function notebookPage(context: PageContext): Html {
  const { session } = context;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ratify-runbook notebook</title>
<link rel="stylesheet" href="/assets/ui.css"><link rel="icon" href="/assets/icon.svg">
<script type="module" src="/assets/notebook.js"></script>
</head>
<body class="notebook">
${head(context)}
${runStatus(context)}
${questionPart(context)}
${summaryPart(context)}
<main>
<ol class="cells">
${cellViews(session).map((cell) => html`<li>${stepCell(cell, context)}</li>\n`)}
</ol>
</main>
<noscript><p class="noscript">Live updates need JavaScript; without it, reload the page to see the run move.</p></noscript>
</body>
</html>
`;
}

function head(context: PageContext): Html {
  const { session } = context;
  const ledger = session.ledger;
  const target = ledger ? describeTarget(ledger.target) : 'the target the command names';
  return html`<header id="head" class="top">
  <h1>ratify-runbook notebook</h1>
  <p class="sub">Run <code>${ledger?.runId ?? '(new)'}</code> against ${target}. State: <code>${session.options.stateDir}</code>.
  ${ledger?.target.kind === 'sandbox' ? html`<strong class="simulated">SIMULATED: the ratify-runbook sandbox, not Azure.</strong>` : ''}
  <a href="/notebook.md">notebook.md</a></p>
</header>`;
}

/** Every part of the page by id, drawn from the current state. */
export function renderPart(id: string, context: PageContext): Html | undefined {
  if (id === 'head') return head(context);
  if (id === 'run-status') return runStatus(context);
  if (id === 'question') return questionPart(context);
  if (id === 'summary') return summaryPart(context);
  if (id.startsWith('step-')) {
    const cell = cellViews(context.session).find((c) => `step-${c.id}` === id);
    return cell && stepCell(cell, context);
  }
  return undefined;
}

export function partIds(session: NotebookSession): string[] {
  return ['head', 'run-status', 'question', 'summary', ...session.options.steps.map((s) => `step-${s.id}`)];
}

function csrfField(context: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${context.csrf}">`;
}

function actionForm(context: PageContext, buttons: Html, step?: string): Html {
  const stepField = step ? html`<input type="hidden" name="step" value="${step}">` : '';
  return html`<form class="act" method="post" action="/action">${csrfField(context)}${stepField}${buttons}</form>`;
}

/** A button of an action form: its `name=value` pair says what was clicked, with or without script. */
function button(name: 'action' | 'value', value: string, label: string, primary = false): Html {
  return html`<button name="${name}" value="${value}"${primary ? html` class="primary"` : ''}>${label}</button>`;
}

function runStatus(context: PageContext): Html {
  const { session } = context;
  const phase = session.phase;
  const outcome = session.lastOutcome;
  const snapshot = session.snapshot;
  const failedStep = snapshot.end?.stepId;
  let text: Html;
  let buttons: Html = html``;
  if (phase === 'gate') {
    text = html`Waiting for you: run <strong>${titleOf(session, session.gateStep)}</strong>? Its commands are shown in its cell.`;
    buttons = html`${button('action', 'all', 'Run all remaining', true)}${button('action', 'stop', 'Stop')}`;
  } else if (phase === 'asking') {
    text = html`Waiting for your answer below.`;
    buttons = html`<button name="action" value="stop">Stop</button>`;
  } else if (phase === 'running') {
    text = html`Running${session.runAll ? ' all remaining steps' : ''}&hellip;`;
    buttons = html`<button name="action" value="stop">Stop</button>`;
  } else if (session.problem) {
    const hints = session.problem.hints.map((h) => html`<li>${renderInlineMarkdown(h)}</li>`);
    text = html`&#x2716; ${session.problem.message}${hints.length ? html`<ul>${hints}</ul>` : ''}`;
    buttons = html`<button name="action" value="retry" class="primary">Retry</button>`;
  } else if (outcome === 'done') {
    text = html`&#x2714; All steps done. The notebook below is complete.`;
  } else if (outcome === 'failed') {
    text = html`&#x2716; Step <strong>${failedStep ?? ''}</strong> failed. Fix the cause (its hint is in its cell), then Retry:
it resumes there.`;
    buttons = html`${button('action', 'retry', 'Retry', true)}${button('action', 'all', 'Run all remaining')}`;
  } else if (outcome === 'interrupted' || outcome === 'quit') {
    text = html`Stopped. Continue resumes where it stopped; nothing done is repeated.`;
    buttons = html`${button('action', 'retry', 'Continue', true)}${button('action', 'all', 'Run all remaining')}`;
  } else {
    text = html`Not running.`;
    buttons = html`<button name="action" value="retry" class="primary">Run</button>`;
  }
  return html`<div id="run-status" class="run-status" data-phase="${phase}" data-outcome="${outcome ?? ''}" role="status">
<p>${text}</p>${actionForm(context, buttons)}</div>`;
}

function titleOf(session: NotebookSession, stepId: string | undefined): string {
  return session.options.steps.find((s) => s.id === stepId)?.title ?? stepId ?? '';
}

function questionPart(context: PageContext): Html {
  const question = context.session.question;
  if (!question) return html`<section id="question" class="question" hidden></section>`;
  return html`<section id="question" class="question" data-question="${question.key}" data-kind="${question.kind}">
<form class="act" method="post" action="/answer">${csrfField(context)}<input type="hidden" name="question" value="${question.id}">
${questionBody(question)}
</form></section>`;
}

function questionBody(question: PendingQuestion): Html {
  const help = question.help ? html`<p class="help">${question.help}</p>` : '';
  const problem = question.problem ? html`<p class="problem" role="alert">${question.problem}</p>` : '';
  switch (question.kind) {
    case 'answers':
      return html`<h2>${question.message}</h2>
<table class="answers"><thead><tr><th>answer</th><th>value</th><th>from</th></tr></thead><tbody>
${(question.rows ?? []).map(
  (row) => html`<tr${row.problem ? html` class="rejected"` : ''}>
<td><code>${row.key}</code></td><td>${row.value}</td><td>${row.source}</td></tr>
${row.problem ? html`<tr class="rejected"><td></td><td colspan="2">${row.problem}</td></tr>` : ''}`,
)}
</tbody></table>${problem}
<p class="buttons">${button('value', 'accept', 'Use these answers', true)}${button('value', 'edit', 'Edit them')}</p>`;
    case 'input': {
      const value = question.refused ?? question.default ?? '';
      return html`<label for="answer-value"><strong>${question.message}</strong> <code>${question.key}</code></label>${help}
<p><input id="answer-value" name="value" type="${question.secret ? 'password' : 'text'}" value="${question.secret ? '' : value}"
  autocomplete="off" spellcheck="false" autofocus></p>
${problem}<p class="buttons"><button class="primary">Continue</button></p>`;
    }
    case 'select':
      return html`<fieldset><legend><strong>${question.message}</strong> <code>${question.key}</code></legend>${help}
${(question.choices ?? []).map((c, i) => {
  const checked = c.value === question.default || (question.default === undefined && i === 0);
  return html`<label class="choice"><input type="radio" name="value" value="${c.value}"${checked ? html` checked` : ''}>
${c.name}${c.description ? html` <small>${c.description}</small>` : ''}</label>`;
})}
</fieldset>${problem}<p class="buttons"><button class="primary">Continue</button></p>`;
    case 'confirm':
      return html`<p><strong>${question.message}</strong></p>${help}${problem}
<p class="buttons">${button('value', 'yes', 'Yes', question.default === 'yes')}
${button('value', 'no', 'No', question.default !== 'yes')}</p>`;
  }
}

/** One step's cell; without a context (a read-only notebook) it has no buttons. */
export function stepCell(cell: CellView, context?: PageContext): Html {
  const duration =
    cell.startedAt && cell.endedAt ? formatDuration(new Date(cell.endedAt).getTime() - new Date(cell.startedAt).getTime()) : undefined;
  const why = cell.phase === 'reused' ? 'done earlier, not repeated' : cell.reason;
  const meta = [cell.attempt > 0 ? `attempt ${cell.attempt}` : undefined, duration, why].filter(Boolean).join(' · ');
  const phase = cell.phase ? html` data-phase="${cell.phase}"` : '';
  return html`<section class="cell" id="step-${cell.id}" data-step="${cell.id}" data-status="${cell.status}"${phase}>
<header><span class="num">${cell.index + 1}</span><h2>${cell.title} <code>${cell.id}</code></h2>
<span class="badge status-${cell.status}">${cell.status}</span><span class="meta">${meta}</span></header>
<div class="explain">${renderMarkdown(cell.explain)}</div>
${cell.asking && context ? gateForm(cell, context) : ''}
${commandsPart(cell)}
${cell.logs.length > 0 ? html`<div class="tail"><h3>Output</h3><pre class="log">${cell.logs.join('\n')}</pre></div>` : ''}
${Object.keys(cell.outputs).length > 0 ? outputsTable(cell.outputs) : ''}
${cell.error && (cell.status === 'failed' || cell.status === 'interrupted') ? failurePart(cell, context) : ''}
</section>`;
}

function gateForm(cell: CellView, context: PageContext): Html {
  return html`<div class="gate" role="group" aria-label="Run this step?">
<p><strong>Run this step?</strong> Why now: ${cell.reason ?? 'first run'}.</p>
${actionForm(
  context,
  html`${button('action', 'run', 'Run', true)}${button('action', 'skip', 'Skip')}
${button('action', 'all', 'Run all remaining')}${button('action', 'stop', 'Stop')}`,
  cell.id,
)}</div>`;
}

function commandsPart(cell: CellView): Html {
  if (cell.ran.length > 0) {
    // A finished step folds its commands; a running or failed one shows them.
    const open = cell.status !== 'done' && cell.status !== 'skipped';
    const where = cell.logFile ? html` <small>full output: <code>${cell.logFile}</code></small>` : '';
    return html`<details class="commands"${open ? html` open` : ''}><summary>Commands run (${cell.ran.length})${where}</summary>
${cell.ran.map(
  (c) => html`<pre class="cmd"><code>$ ${displayArgv(c.argv)}</code></pre>${c.output ? outputBlock(c.output) : ''}
${c.exitCode !== 0 ? html`<p class="exit">exit code ${c.exitCode}</p>` : ''}`,
)}
</details>`;
  }
  const planned = cell.planned;
  if (!planned || (planned.commands.length === 0 && planned.files.length === 0)) return html``;
  const label = planned.exact ? 'Commands it will run' : 'Commands (on a fresh world; a "show" that finds the resource skips its create)';
  return html`<div class="commands planned"><h3>${label}</h3>
${planned.commands.map((argv) => html`<pre class="cmd"><code>$ ${displayArgv(argv)}</code></pre>`)}
${planned.files.map((path) => html`<p class="file">Writes <code>${path}</code></p>`)}
</div>`;
}

function outputBlock(output: string): Html {
  const lines = output.split('\n').length;
  if (lines <= 3) return html`<pre class="out">${output}</pre>`;
  return html`<details class="out"><summary>output (${lines} lines)</summary><pre class="out">${output}</pre></details>`;
}

function outputsTable(outputs: Readonly<Record<string, string>>): Html {
  return html`<table class="outputs"><thead><tr><th>output</th><th>value</th></tr></thead><tbody>
${Object.entries(outputs).map(([k, v]) => html`<tr data-output="${k}"><td><code>${k}</code></td><td><code>${v}</code></td></tr>`)}
</tbody></table>`;
}

function failurePart(cell: CellView, context: PageContext | undefined): Html {
  return html`<div class="failure" role="alert">
<p><strong>${cell.status === 'failed' ? 'Failed' : 'Interrupted'}:</strong> ${cell.error ?? ''}</p>
${cell.hints.length > 0 ? html`<ul class="hints">${cell.hints.map((h) => html`<li>${renderInlineMarkdown(h)}</li>`)}</ul>` : ''}
${cell.retry && context ? actionForm(context, html`<button name="action" value="retry" class="primary">Retry</button>`) : ''}</div>`;
}

function summaryPart(context: PageContext): Html {
  const summary = currentSummary(context.session);
  if (!summary) return html`<section id="summary" class="summary" hidden></section>`;
  return html`<section id="summary" class="summary">
<h2>Result</h2>
${summary.payoff.length > 0 ? html`<ul class="payoff">${summary.payoff.map((line) => html`<li>${line}</li>`)}</ul>` : ''}
${
  summary.created.length > 0
    ? html`<p>Created by this run (<code>ratify-runbook teardown</code> removes exactly these):</p>
<ul class="created">${summary.created.map((r) => html`<li>${r.kind} <code>${r.label}</code> <small>(${r.stepId})</small></li>`)}</ul>`
    : ''
}
${
  summary.skipped.length > 0
    ? html`<p>Skipped, so not set up:
${summary.skipped.map((s, i) => html`${i > 0 ? ', ' : ''}<code>${s.stepId}</code> (${skipText(s.skip)})`)}.</p>`
    : ''
}
</section>`;
}

/** The run's closing summary, or (before any run here) the ledger's when every step is settled. */
function currentSummary(session: NotebookSession): RunSummary | undefined {
  const end = session.snapshot.end;
  if (end?.outcome === 'done') return end.summary;
  const ledger = session.ledger;
  if (end || !ledger) return undefined;
  const steps = session.options.steps;
  const settled = steps.every((s) => ['done', 'skipped'].includes(ledger.steps[s.id]?.status ?? 'pending'));
  return settled ? summarizeRun(ledger, steps) : undefined;
}

function displayArgv(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
