// The workshop matrix, live: a cell changes its data-status the moment its event arrives; a row
// whose state changes is swapped and put in place (failed and interrupted attendees first).
import { connect, postFormsWithFetch, replacePart } from './live.js';

const tbody = document.getElementById('rows');
const cells = new Map();
const key = (attendee, step) => `${attendee}\n${step}`;

function index(root) {
  for (const td of root.querySelectorAll('td[data-step]')) cells.set(key(td.dataset.attendee, td.dataset.step), td);
}

const attention = (row) => (row.dataset.state === 'failed' || row.dataset.state === 'interrupted' ? 0 : 1);

function sortRows() {
  const rows = [...tbody.rows];
  const sorted = [...rows].sort((a, b) => attention(a) - attention(b) || Number(a.dataset.order) - Number(b.dataset.order));
  if (sorted.some((row, i) => row !== rows[i])) tbody.append(...sorted);
}

function parseRows(markup) {
  const template = document.createElement('template');
  template.innerHTML = `<table><tbody>${markup}</tbody></table>`;
  return template.content.querySelector('tbody');
}

index(tbody);
postFormsWithFetch();
connect({
  reset({ rows, batch }) {
    const fresh = parseRows(rows);
    tbody.replaceChildren(...fresh.rows);
    cells.clear();
    index(tbody);
    replacePart('batch', batch);
  },
  cells(list) {
    for (const [attendee, step, status] of list) {
      const td = cells.get(key(attendee, step));
      if (!td || td.dataset.status === status) continue;
      td.dataset.status = status;
      td.title = `${step}: ${status}`;
    }
  },
  row({ id, html }) {
    const current = document.getElementById(`row-${id}`);
    const next = parseRows(html).rows[0];
    if (!current || !next) return;
    // Drawn after the cells sent with it: it is at least as new as them.
    current.replaceWith(next);
    index(next);
    sortRows();
  },
  batch({ html }) {
    replacePart('batch', html);
  },
});
