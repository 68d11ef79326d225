// The workshop matrix, live: a cell changes its data-status the moment its event arrives; a row's
// state and last column are patched in place, and rows kept in order (failed and interrupted first).
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
  rows(list) {
    let moved = false;
    for (const { id, state, summary, hint } of list) {
      const row = document.getElementById(`row-${id}`);
      if (!row) continue;
      if (row.dataset.state !== state) {
        moved ||= attention(row) !== (state === 'failed' || state === 'interrupted' ? 0 : 1);
        row.dataset.state = state;
        row.querySelector('td.state').textContent = state;
      }
      const last = row.querySelector('td.hint');
      last.textContent = summary;
      last.title = hint;
    }
    if (moved) sortRows();
  },
  batch({ html }) {
    replacePart('batch', html);
  },
});
