/* What the leader sees of the phone's outbox: the status line, the offline banner, the entries
   in lists, notices, toasts and dialogs; and the helpers every offline script shares, in
   self.Louzu. Loaded after outbox.js and words.<locale>.js, before forms.js and app.js. */
'use strict';
(() => {
  const Outbox = self.LouzuOutbox;
  const script = document.querySelector('script[data-user-id]');  // app.js's tag names the user
  const USER_ID = script && script.dataset.userId ? Number(script.dataset.userId) : null;
  const canQueue = !!(Outbox && self.indexedDB && self.crypto && crypto.randomUUID);

  // The words come from words.<locale>.js, written from the server's one table (server/core/words.py).
  const WORDS = self.LouzuWords || {};
  const t = (key, values = {}) => (WORDS[key] || key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');
  const $ = (selector, root = document) => root.querySelector(selector);
  const $all = (selector, root = document) => [...root.querySelectorAll(selector)];
  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'text') node.textContent = value;
      else if (name === 'hidden') node.hidden = value;
      else node.setAttribute(name, value);
    }
    node.append(...children.filter(Boolean));
    return node;
  }

  // Times are shown in Shanghai time, the time of every leader and of the office.
  const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
  function shortTime(moment) {
    const date = new Date(moment);
    if (day.format(date) === day.format(new Date())) return clock.format(date);
    const [, m, d] = day.format(date).split('-');
    return (t('listSep') === '、' ? `${+m}月${+d}日 ` : `${m}-${d} `) + clock.format(date);
  }
  // "2026-11-26T09:25", as a datetime-local control shows it, in Shanghai time.
  const localInputValue = (date) => new Date(date.getTime() + 8 * 3600000).toISOString().slice(0, 16);
  const shanghaiIso = (date) => new Date(date.getTime() + 8 * 3600000).toISOString().slice(0, 19) + '+08:00';

  // --- what the leader sees --------------------------------------------------------------------

  const renderers = [renderSyncStatus, renderOfflineBanner, renderLinked, renderDueMarks, renderOfflinePage, renderLoginNotice, renderSentBack, renderSaved];

  async function render() {
    if (!canQueue) return;
    const status = await Outbox.status();
    if (status.problem === 'session_revoked' && USER_ID) return Louzu.revoked();  // app.js: nothing of this session may stay
    renderers.forEach((draw) => draw(status));
  }

  // No signal, no server, sending (only while a flush runs), or waiting. A remembered problem
  // outlasts the retries: only an answered push clears it.
  function syncWords(status) {
    const n = status.waiting;
    const sending = status.flushing ? status.entries.filter((e) => e.state === 'sending').length : 0;
    const problem = status.pushProblem;
    if (!n) return t('allSent');
    if (!navigator.onLine) return t('noSignal', { n });
    if (problem && problem !== 'network') return t(problem === 'unreachable' ? 'unreachable' : 'serverError', { n });
    if (sending) return t(n > sending ? 'sendingMore' : 'sending', { n: sending, m: n - sending });
    return t(problem ? 'noSignal' : 'waiting', { n });
  }

  function renderSyncStatus(status) {
    const box = $('#sync-status');
    if (!box || !USER_ID) return;
    box.dataset.pending = String(status.waiting);
    let words = syncWords(status);
    if (status.rejected) words += ' · ' + t('rejectedCount', { n: status.rejected });
    $('[data-sync-words]', box).textContent = words;
    if (status.lastSync) $('[data-sync-last]', box).textContent = ' · ' + t('lastSync', { t: shortTime(status.lastSync.at) });
    const problem = $('[data-sync-problem]', box);
    problem.hidden = status.problem !== 'session_expired';
    if (!problem.hidden) {
      problem.replaceChildren(t('expired', { n: status.waiting + status.rejected }) + ' ',
        el('a', { href: '/login?next=' + encodeURIComponent(location.pathname), class: 'button primary', text: t('relogin') }));
    }
    const button = $('[data-sync-now]', box);
    if (button) button.hidden = !status.waiting;
  }

  // A page served from the phone's copy carries data-cached-at (the worker adds it): 离线, or
  // with signal, the server was too slow. It goes once the server has answered since the page
  // opened (a sync, a pages refresh, or the probe when the signal returns).
  let answeredHere = false;
  const serverAnswered = () => { answeredHere = true; };  // app.js: the server answered a probe
  async function renderOfflineBanner(status) {
    const cachedAt = document.documentElement.dataset.cachedAt;
    if (!cachedAt) return;
    const pages = await Outbox.getMeta('pages');
    const answered = answeredHere || Math.max(status.lastSync ? status.lastSync.at : 0, pages ? pages.at : 0) > performance.timeOrigin;
    let banner = $('[data-offline-banner]');
    if (!banner) $('main').prepend(banner = el('p', { class: 'offline-banner', 'data-offline-banner': '' }));
    banner.hidden = navigator.onLine && answered;
    banner.textContent = t(navigator.onLine ? 'keptBanner' : 'offlineBanner', { t: shortTime(cachedAt) });
  }

  // Back to the page the entry was saved on, with its form filled (entries saved before
  // labels.page existed are visits, saved on the household page).
  const editHref = (entry) => `${(entry.labels && entry.labels.page) || '/households/' + entry.household_id}#edit=${entry.id}`;

  // One widget, one branch per state: waiting, sending, rejected, conflict, synced (a copy of
  // what was uploaded, outbox.js keepAcked); one head per type.
  function entryItem(entry, withHousehold) {
    const { type, data } = entry.record;
    // A missing or unknown kind or status (an entry the server sent back) is left out, never shown as a code.
    const head = type !== 'visit' ? [] : [WORDS['kind_' + data.kind], WORDS['status_' + data.status],
      t('visitTime', { t: shortTime(data.occurred_at) })].filter(Boolean);
    const message = entry.error && entry.error.message ? entry.error.message : '';
    const state = { waiting: t('stateWaiting'), sending: t('stateSending'), conflict: t('stateConflict'),
                    rejected: t('stateRejected', { m: message }), synced: t('stateSynced') }[entry.state];
    const labels = entry.labels || {};
    const household = `/households/${entry.household_id}`;
    const actions = [];
    if (entry.state === 'rejected') {
      actions.push(el('a', { class: 'button primary', href: editHref(entry), text: t('edit') }),
        el('button', { type: 'button', class: 'button secondary', 'data-withdraw': entry.id, text: t('withdraw') }));
    } else if (entry.state === 'conflict') {
      actions.push(el('button', { type: 'button', class: 'button secondary', 'data-dismiss': entry.id, text: t('dismiss') }));
    } else {
      if (type === 'visit' && !data.withdrawn && entry.state !== 'sending') {
        actions.push(el('a', { class: 'button secondary', href: `${household}#change=${entry.id}`, text: t('edit') }),
          el('button', { type: 'button', class: 'button secondary', 'data-withdraw-visit': entry.id, text: t('withdraw') }));
      }
      if (withHousehold) actions.push(el('a', { class: 'button secondary', href: household, text: t('openHousehold') }));
    }
    return el('li', { class: 'entry entry-' + entry.state, 'data-entry-id': entry.id }, [
      el('p', { class: 'entry-head' }, type === 'visit'
        ? [el('strong', { text: head[0] }), head.slice(1).map((part) => ' · ' + part).join('')]
        : [el('strong', { text: t('type_' + type) }), labels.summary && ' · ' + labels.summary]),
      data.withdrawn && el('p', { class: 'withdrawn-mark', text: t('withdrawnMark') }),
      withHousehold && labels.household && el('p', { class: 'entry-household', text: labels.household }),
      withHousehold && labels.context && el('p', { text: labels.context }),
      labels.residents && labels.residents.length && el('p', { text: labels.residents.join(WORDS.listSep) }),
      (data.notes || data.text || data.note) && el('p', { class: 'entry-notes', text: data.notes || data.text || data.note }),
      el('p', { class: 'entry-state', text: state }),
      actions.length && el('p', { class: 'entry-actions' }, actions),
    ]);
  }

  // Home: a sent-back entry is a notice with a link straight to the first one to fix.
  function renderSentBack(status) {
    const notice = $('[data-sent-back]');
    if (!notice) return;
    const first = status.entries.find((e) => e.state === 'rejected');
    notice.hidden = !first;
    if (!first) return;
    $('[data-sent-back-words]', notice).textContent = t('sentBack', { n: status.rejected });
    $('a', notice).href = editHref(first);
  }

  // "Saved on the phone" turns into "uploaded" once the server has it (or says why not).
  function renderSaved(status) {
    for (const box of $all('[data-outbox-message][data-entry-id]')) {
      const entry = status.entries.find((e) => e.id === box.dataset.entryId);
      if (entry ? !['rejected', 'conflict'].includes(entry.state) : box.dataset.entryType === 'visit' && !status.acked.some((c) => c.id === box.dataset.entryId)) continue;
      box.className = entry ? 'error' : 'success';
      box.textContent = !entry ? t('uploaded') : entry.state === 'conflict' ? t('stateConflict')
        : t('stateRejected', { m: entry.error ? entry.error.message : '' });
      delete box.dataset.entryId;
    }
  }

  // Puts entries in a list, in place of those the last render put there; answers how many.
  function fillList(list, entries) {
    $all(':scope > [data-entry-id]', list).forEach((item) => item.remove());
    list.append(...entries.map((e) => entryItem(e, false)));
    return entries.length;
  }

  // An answer waits under its question (home and household page), a roster proposal in the
  // household's "等待办公室确认" list: the pages keep a place for them, hidden while empty.
  function renderLinked(status) {
    const waiting = (type, test) => status.entries.filter((e) => e.record.type === type && test(e));
    for (const list of $all('[data-answer-entries]')) {
      const question = Number(list.closest('[data-question-id]').dataset.questionId);
      list.hidden = !fillList(list, waiting('answer', (e) => e.record.data.question_id === question));
    }
    const proposals = $('#proposals'), list = $('[data-proposal-entries]');
    if (!proposals || !list) return;
    fillList(list, waiting('roster_change', (e) => e.household_id === Number(proposals.dataset.householdId)));
    $('[data-proposals-pending]', proposals).hidden = !list.children.length;
  }

  // The due list marks residents a waiting entry has already seen: done, just not synced yet.
  function renderDueMarks(status) {
    const list = $('.due-list');
    if (!list) return;
    const seen = new Set(status.entries.filter((e) => (e.state === 'waiting' || e.state === 'sending') && !e.record.data.withdrawn)
      .flatMap((e) => e.record.data.resident_ids || []));
    let marked = 0;
    for (const item of $all('[data-resident-id]', list)) {
      const done = seen.has(Number(item.dataset.residentId));
      const badge = $('[data-waiting-mark]', item);
      item.classList.toggle('has-waiting-visit', done);
      if (done && !badge) ($('a', item) || item).append(el('span', { class: 'waiting-mark', 'data-waiting-mark': '', text: '✓ ' + t('dueWaiting') }));
      if (!done && badge) badge.remove();
      marked += done ? 1 : 0;
    }
    let note = $('[data-due-waiting]');
    if (!note) list.before(note = el('p', { class: 'notice due-waiting', 'data-due-waiting': '' }));
    note.hidden = !marked;
    note.textContent = marked ? t('dueWaitingCount', { n: marked }) : '';
  }

  function renderOfflinePage(status) {
    const note = $('[data-offline-pending]');
    if (!note) return;
    note.hidden = !status.waiting;
    note.textContent = status.waiting ? t('waiting', { n: status.waiting }) : '';
  }

  // Logged out, the phone cannot ask the server: an entry pushed without an answer ("sending"
  // from a closed page, or unconfirmed) may be there, so it is not called waiting.
  function renderLoginNotice(status) {
    const form = $('form[action="/login"]');
    if (!form || USER_ID) return;
    const unsure = status.entries.filter((e) => e.state === 'sending' || (e.state === 'waiting' && e.unconfirmed)).length;
    for (const [name, n] of [['waiting', status.waiting - unsure], ['unconfirmed', unsure]]) {
      let note = $(`[data-login-${name}]`);
      if (!n) { if (note) note.remove(); continue; }
      if (!note) form.before(note = el('p', { class: 'notice', [`data-login-${name}`]: '' }));
      note.textContent = t(name + 'OnLogin', { n });
    }
  }

  // A short message fixed at the bottom of the screen (above a form's save bar): it moves
  // nothing on the page, and it stays until the leader closes it or leaves the page. The page
  // grows below by its height, so the end of the page can still scroll clear of it.
  function toast(text, action) {
    const old = $('.toast');
    if (old) old.remove();
    const box = el('div', { class: 'toast', role: 'status' }, [el('span', { text })]);
    if (action) {
      const button = el('button', { type: 'button', class: 'button primary', text: action.label });
      button.addEventListener('click', action.run);
      box.append(button);
    }
    const close = el('button', { type: 'button', class: 'button secondary', text: t('dismiss') });
    close.addEventListener('click', () => { box.remove(); document.body.style.paddingBottom = ''; });
    box.append(close);
    document.body.classList.toggle('has-save-bar', !!$('.save-bar'));
    document.body.append(box);
    document.body.style.paddingBottom = (innerHeight - box.getBoundingClientRect().top + 8) + 'px';
  }

  // A dialog in the page (not window.confirm): big buttons, words on every choice.
  function choose(title, body, choices) {
    return new Promise((resolve) => {
      const dialog = el('dialog', { class: 'louzu-dialog', 'aria-labelledby': 'louzu-dialog-title' }, [
        el('h2', { id: 'louzu-dialog-title', text: title }),
        el('p', { text: body }),
        el('p', { class: 'dialog-actions' }, choices.map((c) =>
          el('button', { type: 'button', class: 'button ' + (c.primary ? 'primary' : 'secondary'), value: c.value, text: c.label }))),
      ]);
      dialog.addEventListener('click', (event) => {
        const button = event.target.closest('button');
        if (button) dialog.close(button.value);
      });
      dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue || 'cancel'); });
      document.body.append(dialog);
      dialog.showModal();
    });
  }

  // What the other offline scripts build on; app.js adds syncNow and revoked, forms.js the form's.
  const Louzu = self.Louzu = {
    Outbox, USER_ID, canQueue, t, el, $, $all, shortTime, localInputValue, shanghaiIso,
    render, renderers, entryItem, toast, choose, serverAnswered,
  };
})();
