// Shared by the notebook and the dashboards: the server-sent event stream, and forms posted
// with fetch (the same forms work without JavaScript: they post and come back to the page).

/** Opens /events; `handlers` maps event names to functions of the parsed data. */
export function connect(handlers) {
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    document.body.dataset.live = 'yes';
  });
  source.addEventListener('error', () => {
    document.body.dataset.live = 'no';
  });
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
  }
  return source;
}

/** Replaces the element with the same id by the server's new HTML for it. */
export function replacePart(id, markup) {
  const current = document.getElementById(id);
  if (!current) return;
  const template = document.createElement('template');
  template.innerHTML = markup;
  const next = template.content.firstElementChild;
  if (!next) return;
  current.replaceWith(next);
  for (const pre of next.querySelectorAll('pre.log')) pre.scrollTop = pre.scrollHeight;
  const focus = next.querySelector('[autofocus]');
  if (focus && !document.activeElement?.matches('input, textarea, select')) focus.focus();
}

function showProblem(form, text) {
  let note = form.querySelector('.post-problem');
  if (!note) {
    note = document.createElement('p');
    note.className = 'post-problem problem';
    note.setAttribute('role', 'alert');
    form.append(note);
  }
  note.textContent = text;
}

/** Forms with class "act" post through fetch; the page then changes through the event stream. */
export function postFormsWithFetch() {
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('act')) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form, event.submitter));
    const buttons = [...form.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    try {
      const response = await fetch(form.getAttribute('action'), {
        method: 'POST',
        body,
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      const result = await response.json().catch(() => ({ ok: response.ok, problem: `${response.status} ${response.statusText}` }));
      if (!result.ok) showProblem(form, result.problem);
    } catch (error) {
      showProblem(form, `Could not reach the runbook: ${error}`);
    } finally {
      for (const button of buttons) if (button.isConnected) button.disabled = false;
    }
  });
}
