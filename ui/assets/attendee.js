// One attendee's notebook and log tail, refreshed from the files on disk every 2 seconds.
const root = () => document.getElementById('attendee');

async function refresh() {
  try {
    const response = await fetch(`${location.pathname}/parts`, { credentials: 'same-origin' });
    if (!response.ok) return;
    const { html } = await response.json();
    const current = root();
    if (!current || current.outerHTML === html) return;
    const template = document.createElement('template');
    template.innerHTML = html;
    current.replaceWith(template.content.firstElementChild);
    for (const pre of root().querySelectorAll('pre.log')) pre.scrollTop = pre.scrollHeight;
    document.body.dataset.live = 'yes';
  } catch {
    document.body.dataset.live = 'no';
  }
}

for (const pre of document.querySelectorAll('pre.log')) pre.scrollTop = pre.scrollHeight;
setInterval(refresh, 2000);
