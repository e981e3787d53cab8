/* The open office dashboard keeps itself current: every few seconds it asks /office/live how
   many urgent entries wait and whether anything in the committee changed. The count
   goes into the tab title; on a change the page is fetched again (same address, same filters)
   and only its [data-live-region] parts are replaced, so the filter form (and anything typed in
   it), the scroll position and the focus stay where they were. Without this script the page is
   an ordinary page that a reload brings up to date. */
'use strict';
(() => {
  const live = document.getElementById('dashboard-live');
  if (!live || !self.fetch || !self.DOMParser) return;
  const seconds = Math.max(Number(live.dataset.pollSeconds) || 20, 1);
  const baseTitle = live.dataset.baseTitle || document.title;
  const urgentTitle = live.dataset.urgentTitle || '({n})';
  let stamp = live.dataset.liveStamp, failures = 0, timer = null;

  function showCount(urgent) {
    document.title = urgent > 0 ? urgentTitle.replace('{n}', String(urgent)) + ' · ' + baseTitle : baseTitle;
  }

  async function refreshRegions() {
    const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok || response.redirected) throw new Error(String(response.status));
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const focused = document.activeElement;
    const focusHref = focused && focused.closest('[data-live-region]') ? focused.getAttribute('href') : null;
    const x = window.scrollX, y = window.scrollY;
    for (const here of document.querySelectorAll('[data-live-region]')) {
      const there = page.getElementById(here.id);
      // The element stays (a live region keeps announcing); only what it holds is new.
      if (there && there.innerHTML !== here.innerHTML) {
        here.innerHTML = there.innerHTML;
        here.className = there.className;
      }
    }
    window.scrollTo(x, y);
    if (focusHref) {
      const again = document.querySelector('[data-live-region] [href="' + CSS.escape(focusHref) + '"]');
      if (again) again.focus({ preventScroll: true });
    }
    const fresh = page.getElementById('dashboard-live');
    return fresh ? fresh.dataset.liveStamp : null;
  }

  async function ask() {
    try {
      const response = await fetch(live.dataset.liveUrl, {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
      });
      // Logged out (the answer is the login page) or refused: stop, the next click shows why.
      if (response.redirected || response.status === 401 || response.status === 403) return;
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      showCount(state.urgent);
      if (state.stamp !== stamp) stamp = (await refreshRegions()) || state.stamp;
      failures = 0;
    } catch (error) {
      failures += 1;  // no network or a server restart: ask again, less often
    }
    timer = setTimeout(ask, seconds * 1000 * Math.min(2 ** failures, 8));
  }

  timer = setTimeout(ask, seconds * 1000);
})();
