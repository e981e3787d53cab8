/* 本机状态: what this phone holds (version, storage, entries in every state), from the outbox
   and the browser. Loaded only on /phone, after app.js. */
'use strict';
(() => {
  const { t, $, shortTime, entryItem, render, renderers } = self.Louzu;

  function askWorkerRelease() {
    const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!worker) return Promise.resolve(null);
    return new Promise((resolve) => {
      const answer = (event) => {
        if (!event.data || event.data.type !== 'release') return;
        navigator.serviceWorker.removeEventListener('message', answer);
        resolve(event.data.release);
      };
      navigator.serviceWorker.addEventListener('message', answer);
      worker.postMessage({ type: 'release' });
      setTimeout(() => resolve(null), 2000);
    });
  }

  async function renderPhone(status) {
    const facts = $('#phone-facts');
    const set = (name, text) => { $(`[data-fact="${name}"]`, facts).textContent = text; };
    set('waiting', t('entries', { n: status.waiting }));
    set('last-sync', status.lastSync ? shortTime(status.lastSync.at) : t('neverSynced'));
    const problems = status.entries.filter((e) => e.state === 'rejected' || e.state === 'conflict');
    $('[data-problems-list]').replaceChildren(...problems.map((e) => entryItem(e, true)));
    $('[data-problems-empty]').hidden = !!problems.length;
    $('[data-waiting-list]').replaceChildren(...status.entries
      .filter((e) => e.state === 'waiting' || e.state === 'sending').map((e) => entryItem(e, true)));
    const others = $('[data-other-users]');
    others.hidden = !status.otherUsers;
    others.textContent = status.otherUsers ? t('otherUsers', { n: status.otherUsers }) : '';
    const pages = await self.LouzuOutbox.getMeta('pages');
    set('pages', pages && pages.user_id === status.userId ? t('pagesKept', { n: pages.count, t: shortTime(pages.at) }) : t('noPages'));
    if (navigator.storage) {
      set('persisted', (await navigator.storage.persisted()) ? t('yes') : t('no'));
      const estimate = await navigator.storage.estimate();
      set('storage', t('megabytes', { n: ((estimate.usage || 0) / 1048576).toFixed(1) }));
    }
    const release = await askWorkerRelease();
    set('worker', release ? t('ready', { r: release }) : t('notReady'));
  }

  document.addEventListener('louzu:synced', ({ detail: summary }) => {
    const result = $('[data-sync-result]');
    if (!result || !summary) return;
    // The same distinction as the status line: no signal, no server, a server error.
    const why = { network: t('whyNetwork'), unreachable: t('whyUnreachable'), session_expired: t('whyLogin') }[summary.problem] ||
      (String(summary.problem).startsWith('server_') ? t('whyServer') : t('whyOther'));
    result.textContent = summary.ok ? t('syncDone') : t('syncLeft', { n: summary.remaining, why });
  });

  renderers.push(renderPhone);
  render();
})();
