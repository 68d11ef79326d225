// The notebook page, live: each part the server sends replaces its element (a step's cell, the
// status bar, the question, the result). Everything is drawn by the server; this only swaps.
import { connect, postFormsWithFetch, replacePart } from './live.js';

postFormsWithFetch();
connect({
  patch({ parts }) {
    for (const { id, html } of parts) replacePart(id, html);
  },
});
for (const pre of document.querySelectorAll('pre.log')) pre.scrollTop = pre.scrollHeight;
