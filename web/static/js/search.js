/* The household search on home, as the leader types: asks the server for the list alone
   (/households/search, HX-Request: true, the fragment protocol htmx used) and puts it in place;
   the count goes to the page's live region. Without this script the form is an ordinary GET. */
'use strict';
(() => {
  const form = document.querySelector('form[data-live-search]');
  const box = form && form.elements.q;
  if (!form || !box || !self.fetch || !self.DOMParser) return;
  let asked = null, timer = null, running = null;

  async function search() {
    clearTimeout(timer);
    const query = new URLSearchParams(new FormData(form)).toString();
    if (query === asked) return;
    asked = query;
    if (running) running.abort();
    const controller = running = new AbortController();
    let html;
    try {
      const response = await fetch(form.dataset.liveSearch + '?' + query, {
        headers: { 'HX-Request': 'true' }, credentials: 'same-origin', signal: controller.signal,
      });
      if (!response.ok) throw new Error(String(response.status));
      html = await response.text();
    } catch (error) {
      if (controller === running) asked = null;  // no signal: the next try asks again
      return;
    }
    if (controller !== running) return;  // a newer search is on its way
    running = null;
    const fragment = new DOMParser().parseFromString(html, 'text/html');
    const list = fragment.getElementById('household-list'), words = fragment.getElementById('search-status');
    const here = document.getElementById('household-list'), status = document.getElementById('search-status');
    if (list && here) here.replaceWith(document.adoptNode(list));
    if (words && status) status.textContent = words.textContent;
  }

  form.addEventListener('submit', (event) => { event.preventDefault(); asked = null; search(); });
  box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 500); });
  box.addEventListener('search', search);  // the box's own clear button
})();
