/* 本机状态: what this phone holds (version, storage, entries in every state), from the outbox
   and the browser. Loaded only on /phone, after app.js. */
'use strict';
(() => {
  const { t, $, shortTime, entryItem, render, renderers } = self.Louzu;
  const WORDS = Object.assign({
    yes: '是', no: '否（手机空间不够时可能被清除）', ready: '已就绪（{r}）', notReady: '未就绪',
    entries: '{n} 条', megabytes: '{n} MB', pagesKept: '{n} 个页面（{t} 更新）', noPages: '还没有保存页面',
    neverSynced: '还没有同步过', syncDone: '同步完成：手机上没有等待上传的记录',
    syncLeft: '还有 {n} 条没有上传：{why}', whyNetwork: '现在没有信号，有信号时会自动上传',
    whyServer: '服务器出了问题，稍后自动重试', whyUnreachable: '服务器暂时连不上，稍后自动重试',
    whyLogin: '需要重新登录', whyOther: '稍后自动重试',
    otherUsers: '这台手机上还有另一个账号的 {n} 条记录没有上传，需要那位楼组长登录后才能上传。',
  }, self.LouzuWords || {});
  const say = (key, values = {}) => (WORDS[key] || t(key, values)).replace(/\{(\w+)\}/g, (_, n) => values[n] ?? '');

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
    set('waiting', say('entries', { n: status.waiting }));
    set('last-sync', status.lastSync ? shortTime(status.lastSync.at) : say('neverSynced'));
    const problems = status.entries.filter((e) => e.state === 'rejected' || e.state === 'conflict');
    $('[data-problems-list]').replaceChildren(...problems.map((e) => entryItem(e, true)));
    $('[data-problems-empty]').hidden = !!problems.length;
    $('[data-waiting-list]').replaceChildren(...status.entries
      .filter((e) => e.state === 'waiting' || e.state === 'sending').map((e) => entryItem(e, true)));
    const others = $('[data-other-users]');
    others.hidden = !status.otherUsers;
    others.textContent = status.otherUsers ? say('otherUsers', { n: status.otherUsers }) : '';
    const pages = await self.LouzuOutbox.getMeta('pages');
    set('pages', pages && pages.user_id === status.userId ? say('pagesKept', { n: pages.count, t: shortTime(pages.at) }) : say('noPages'));
    if (navigator.storage) {
      set('persisted', (await navigator.storage.persisted()) ? say('yes') : say('no'));
      const estimate = await navigator.storage.estimate();
      set('storage', say('megabytes', { n: ((estimate.usage || 0) / 1048576).toFixed(1) }));
    }
    const release = await askWorkerRelease();
    set('worker', release ? say('ready', { r: release }) : say('notReady'));
  }

  document.addEventListener('louzu:synced', ({ detail: summary }) => {
    const result = $('[data-sync-result]');
    if (!result || !summary) return;
    // The same distinction as the status line: no signal, no server, a server error.
    const why = { network: say('whyNetwork'), unreachable: say('whyUnreachable'), session_expired: say('whyLogin') }[summary.problem] ||
      (String(summary.problem).startsWith('server_') ? say('whyServer') : say('whyOther'));
    result.textContent = summary.ok ? say('syncDone') : say('syncLeft', { n: summary.remaining, why });
  });

  renderers.push(renderPhone);
  render();
})();
