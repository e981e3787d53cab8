/* Louzu on the page: saves every entry to the outbox first, flushes it, and always tells the
   leader what waits on the phone. Behaviours hang on data-* attributes, delegated from the
   document, so htmx swaps need no re-binding. */
'use strict';
(() => {
  const Outbox = self.LouzuOutbox;
  const script = document.currentScript;
  const USER_ID = script && script.dataset.userId ? Number(script.dataset.userId) : null;
  const SYNC_TAG = 'louzu-outbox';
  const canQueue = !!(Outbox && self.indexedDB && self.crypto && crypto.randomUUID);

  // Chinese here; English pages load words.en.js first, which puts the same keys in LouzuWords.
  const WORDS = Object.assign({
    waiting: '手机上有 {n} 条记录等待上传', allSent: '手机上没有等待上传的记录',
    sending: '正在上传 {n} 条记录…', lastSync: '上次同步 {t}', neverSynced: '还没有同步过',
    rejectedCount: '{n} 条被退回，请处理', expired: '请重新登录，您的 {n} 条记录还在手机上',
    relogin: '重新登录', offlineBanner: '离线 · 数据更新于 {t}',
    saved: '已保存在手机上，有信号时自动上传', savedCorrected: '已改好，保存在手机上，有信号时自动上传',
    editing: '正在修改被退回的记录：{m}',
    stateWaiting: '等待上传', stateSending: '正在上传…', stateRejected: '被退回：{m}',
    stateConflict: '和另一台手机上的修改冲突，两份都已交给居委会办公室处理',
    edit: '修改', withdraw: '撤回', dismiss: '知道了', openHousehold: '打开这户',
    pendingHeading: '手机上还没上传的记录', visitTime: '走访时间 {t}',
    dueWaiting: '已看望 · 记录等待上传', dueWaitingCount: '其中 {n} 位已看望，记录还在手机上等待上传',
    withdrawTitle: '撤回这条记录？', withdrawBody: '这条记录没有上传到服务器。撤回后它会从手机上删除，不能恢复。',
    cancel: '取消', logoutTitle: '还有记录没有上传',
    logoutBody: '手机上还有 {n} 条记录没有上传到居委会。退出登录会把它们从手机上删除。',
    syncFirst: '先同步', logoutAnyway: '仍然退出', logoutOffline: '现在没有信号，退不了登录。有信号时再退出。',
    update: '更新', newVersion: '有新版本', offlineReady: '已可离线使用：没有信号时也能打开您的住户和记录表',
    waitingOnLogin: '手机上有 {n} 条记录等待上传，登录后会自动上传。',
    revokedWiped: '手机上保存的页面和记录已按管理员的要求清除。', listSep: '、',
    kind_routine: '日常走访', kind_elderly_check: '老人看望', kind_mediation: '矛盾调解', kind_safety: '安全检查',
    kind_assistance: '帮困求助', kind_other: '其他', status_ok: '一切安好', status_concern: '需要关注', status_urgent: '紧急',
  }, self.LouzuWords || {});

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
    return (WORDS.listSep === '、' ? `${+m}月${+d}日 ` : `${m}-${d} `) + clock.format(date);
  }
  // "2026-11-26T09:25", as a datetime-local control shows it, in Shanghai time.
  const localInputValue = (date) => new Date(date.getTime() + 8 * 3600000).toISOString().slice(0, 16);
  const shanghaiIso = (date) => new Date(date.getTime() + 8 * 3600000).toISOString().slice(0, 19) + '+08:00';

  // --- what the leader sees --------------------------------------------------------------------

  const renderers = [renderSyncStatus, renderOfflineBanner, renderPending, renderDueMarks, renderOfflinePage, renderLoginNotice];

  async function render() {
    if (!canQueue) return;
    const status = await Outbox.status();
    if (status.problem === 'session_revoked' && USER_ID) return revoked();
    renderers.forEach((draw) => draw(status));
  }

  function renderSyncStatus(status) {
    const box = $('#sync-status');
    if (!box || !USER_ID) return;
    box.dataset.pending = String(status.waiting);
    const sending = status.entries.some((e) => e.state === 'sending');
    let words = status.waiting ? t(sending ? 'sending' : 'waiting', { n: status.waiting }) : t('allSent');
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

  // A page served from the phone's copy carries data-cached-at (the worker adds it).
  function renderOfflineBanner() {
    const cachedAt = document.documentElement.dataset.cachedAt;
    if (!cachedAt) return;
    let banner = $('[data-offline-banner]');
    if (!banner) $('main').prepend(banner = el('p', { class: 'offline-banner', 'data-offline-banner': '' }));
    banner.hidden = false;
    banner.textContent = t('offlineBanner', { t: shortTime(cachedAt) });
  }

  // One widget, one branch per state: waiting, sending, rejected, conflict.
  function entryItem(entry, withHousehold) {
    const data = entry.record.data;
    const message = entry.error && entry.error.message ? entry.error.message : '';
    const state = { waiting: t('stateWaiting'), sending: t('stateSending'), conflict: t('stateConflict'),
                    rejected: t('stateRejected', { m: message }) }[entry.state];
    const labels = entry.labels || {};
    const actions = [];
    if (entry.state === 'rejected') {
      actions.push(el('a', { class: 'button primary', href: `/households/${data.household_id}#edit=${entry.id}`, text: t('edit') }),
        el('button', { type: 'button', class: 'button secondary', 'data-withdraw': entry.id, text: t('withdraw') }));
    } else if (entry.state === 'conflict') {
      actions.push(el('button', { type: 'button', class: 'button secondary', 'data-dismiss': entry.id, text: t('dismiss') }));
    } else if (withHousehold) {
      actions.push(el('a', { class: 'button secondary', href: `/households/${data.household_id}`, text: t('openHousehold') }));
    }
    return el('li', { class: 'entry entry-' + entry.state, 'data-entry-id': entry.id }, [
      el('p', { class: 'entry-head' }, [el('strong', { text: t('kind_' + data.kind) }),
        ` · ${t('status_' + data.status)} · ${t('visitTime', { t: shortTime(data.occurred_at) })}`]),
      withHousehold && labels.household && el('p', { class: 'entry-household', text: labels.household }),
      labels.residents && labels.residents.length && el('p', { text: labels.residents.join(WORDS.listSep) }),
      data.notes && el('p', { class: 'entry-notes', text: data.notes }),
      el('p', { class: 'entry-state', text: state }),
      actions.length && el('p', { class: 'entry-actions' }, actions),
    ]);
  }

  function renderPending(status) {
    const section = $('#pending-visits');
    if (!section) return;
    const entries = status.entries.filter((e) => e.household_id === Number(section.dataset.householdId));
    section.hidden = !entries.length;
    section.setAttribute('aria-labelledby', 'pending-visits-heading');
    section.replaceChildren(...(entries.length ? [
      el('h2', { id: 'pending-visits-heading', text: t('pendingHeading') }),
      el('ul', { class: 'entry-list' }, entries.map((e) => entryItem(e, false))),
    ] : []));
  }

  // The due list marks residents a waiting entry has already seen: done, just not synced yet.
  function renderDueMarks(status) {
    const list = $('.due-list');
    if (!list) return;
    const seen = new Set(status.entries.filter((e) => e.state === 'waiting' || e.state === 'sending')
      .flatMap((e) => e.record.data.resident_ids));
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

  function renderLoginNotice(status) {
    const form = $('form[action="/login"]');
    if (!form || USER_ID) return;
    let note = $('[data-login-waiting]');
    if (!status.waiting) return note && note.remove();
    if (!note) form.before(note = el('p', { class: 'notice', 'data-login-waiting': '' }));
    note.textContent = t('waitingOnLogin', { n: status.waiting });
  }

  // A short message at the top of the page, in the flow: it never covers a button, and it
  // does not vanish under a slow reader (it goes with the next page).
  function toast(text, action) {
    const old = $('.toast');
    if (old) old.remove();
    const box = el('div', { class: 'toast', role: 'status' }, [el('span', { text })]);
    if (action) {
      const button = el('button', { type: 'button', class: 'button primary', text: action.label });
      button.addEventListener('click', action.run);
      box.append(button);
    }
    ($('main') || document.body).prepend(box);
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

  // --- sending ---------------------------------------------------------------------------------

  let flushing = null, again = false, backoffMs = 0, retryTimer = null;

  function syncNow(reason) {
    if (!canQueue || !USER_ID) return Promise.resolve(null);
    if (flushing) { again = true; return flushing; }
    clearTimeout(retryTimer);
    flushing = Outbox.flush().then(async (summary) => {
      if (summary.problem === 'session_revoked') { await revoked(); return summary; }
      if (summary.ok) {
        backoffMs = 0;
        if (summary.acknowledged || reason === 'button') refreshPages();  // after every sync
      } else if (!['session_expired', 'no_session'].includes(summary.problem)) {
        retryLater();
      }
      await render();
      return summary;
    }, () => { retryLater(); return null; }).then((summary) => {
      flushing = null;
      if (again) { again = false; return syncNow(reason); }
      return summary;
    });
    return flushing;
  }

  // Exponential backoff while entries wait: 1 s, 2 s, 4 s … at most a minute apart.
  function retryLater() {
    backoffMs = Math.min(60000, backoffMs ? backoffMs * 2 : 1000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => syncNow('retry'), backoffMs * (0.75 + Math.random() * 0.5));
  }

  const worker = () => navigator.serviceWorker ? navigator.serviceWorker.ready : Promise.reject(new Error('no worker'));
  // Background Sync wakes the worker when the signal returns, even with no page open.
  const askBackgroundSync = () => worker().then((r) => r.sync && r.sync.register(SYNC_TAG)).catch(() => null);
  const refreshPages = () => worker().then((r) => r.active && r.active.postMessage({ type: 'refresh-pages' })).catch(() => null);

  // --- saving ----------------------------------------------------------------------------------

  function visitRecord(form, id) {
    const fields = new FormData(form);
    const now = new Date();
    const text = (name) => String(fields.get(name) || '');
    const occurred = text('occurred_at');
    return {
      id, type: 'visit', op: 'create', base_version: null, client_time: shanghaiIso(now),
      data: {
        household_id: Number(form.dataset.householdId),
        resident_ids: fields.getAll('resident_ids').map(Number),
        kind: text('kind'),
        occurred_at: occurred ? occurred.slice(0, 16) + ':00+08:00' : shanghaiIso(now),
        status: text('status'),
        notes: text('notes').replace(/\r\n/g, '\n'),
        follow_up_needed: fields.getAll('follow_up_needed').some((v) => ['1', 'on', 'true', 'yes'].includes(String(v))),
        follow_up_due: text('follow_up_due') || null,
      },
    };
  }

  const visitLabels = (form) => ({
    household: ($('h1') || { textContent: '' }).textContent.trim(),
    residents: $all('input[name="resident_ids"]:checked', form).map((box) => (box.closest('label') || box).textContent.trim()),
  });

  async function saveVisit(form) {
    performance.mark('louzu-save-start');
    const editing = form.dataset.editingId || '';
    const id = editing || crypto.randomUUID();  // made now, on the phone: never rendered into a page
    if (form.elements.id) form.elements.id.value = id;
    const record = visitRecord(form, id);
    if (editing) await Outbox.correct(id, record); else await Outbox.add(record, visitLabels(form));
    performance.measure('louzu-outbox-save', 'louzu-save-start');
    form.reset();
    delete form.dataset.editingId;
    if (location.hash.startsWith('#edit=')) history.replaceState(null, '', location.pathname + location.search);
    freshenForm(form);
    say(form, t(editing ? 'savedCorrected' : 'saved'), 'success');
    askBackgroundSync();
    backoffMs = 0;
    await render();
    return syncNow('save');
  }

  // One message box above the form, announced to screen readers.
  function say(form, text, kind) {
    let box = $('[data-outbox-message]');
    if (!box) form.before(box = el('p', { 'data-outbox-message': '', role: 'status', tabindex: '-1' }));
    box.className = kind;
    box.textContent = text;
    box.focus();
  }

  // A kept copy of the page was rendered hours ago: its "now" must be the phone's now.
  function freshenForm(form) {
    const when = form && form.elements.occurred_at;
    if (!when) return;
    if (when.value === when.defaultValue) when.value = localInputValue(new Date());
    if (when.max) when.max = localInputValue(new Date(Date.now() + 86400000));
  }

  // "修改" opens the household page at #edit=<id>: the rejected entry fills the form, and
  // saving sends it again under the same id (the server never stored it).
  async function startEditing() {
    const form = $('form[data-outbox-form="visit"]');
    const match = /^#edit=([0-9a-f-]{36})$/.exec(location.hash);
    if (!form || !match) return;
    const entry = await Outbox.get(match[1]);
    if (!entry || entry.state !== 'rejected' || entry.user_id !== USER_ID ||
        entry.household_id !== Number(form.dataset.householdId)) return;
    const data = entry.record.data;
    for (const control of $all('input, textarea, select', form)) {
      const value = data[control.name];
      if (control.name === 'occurred_at') control.value = String(value || '').slice(0, 16);
      else if (control.name === 'follow_up_needed') control.checked = !!value;
      else if (control.type === 'checkbox') control.checked = (value || []).map(String).includes(control.value);
      else if (control.type === 'radio') control.checked = String(value) === control.value;
      else if (value !== undefined && control.type !== 'hidden') control.value = value ?? '';
    }
    form.dataset.editingId = entry.id;
    say(form, t('editing', { m: entry.error && entry.error.message ? entry.error.message : '' }), 'notice');
    form.scrollIntoView();
  }

  // --- sessions: login, logout, expiry, revocation -------------------------------------------------

  // An administrator ended this phone's session (a lost phone): nothing of it may stay.
  let leaving = false;
  async function revoked() {
    if (leaving) return;
    leaving = true;
    await Outbox.wipe().catch(() => null);
    location.replace('/login?revoked=1');
  }

  async function logout(form) {
    const session = await Outbox.session();
    let response;
    try {
      response = await fetch(form.action, {
        method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin',
        headers: session && session.csrf_token ? { 'X-CSRFToken': session.csrf_token } : {},
      });
    } catch (error) {
      return toast(t('logoutOffline'));  // no signal: the session cannot end, so nothing is wiped
    }
    // 401: the session had already ended; the phone is logged out either way.
    if (!response.ok && response.status !== 401) return toast(t('logoutOffline'));
    await Outbox.wipe().catch(() => null);  // the server may have cleared storage already
    location.replace('/login?logged_out=1');
  }

  async function confirmLogout(form) {
    const status = await Outbox.status();
    const unsent = status.waiting + status.rejected;
    if (!unsent) return logout(form);
    const choice = await choose(t('logoutTitle'), t('logoutBody', { n: unsent }), [
      { value: 'sync', label: t('syncFirst'), primary: true },
      { value: 'logout', label: t('logoutAnyway') },
      { value: 'cancel', label: t('cancel') },
    ]);
    if (choice === 'logout') return logout(form);
    if (choice === 'sync') { await syncNow('button'); return confirmLogout(form); }
  }

  async function adoptSession() {
    const token = $('meta[name="csrf-token"]');
    const { newSession } = await Outbox.adopt(USER_ID, token ? token.content : '');
    if (!newSession) return;
    refreshPages();  // after login: keep this leader's pages
    // Safari may evict the data of sites not on the home screen: ask to keep it.
    if (!(await Outbox.getMeta('persist_asked')) && navigator.storage && navigator.storage.persist) {
      await Outbox.setMeta('persist_asked', { granted: await navigator.storage.persist(), at: Date.now() });
    }
  }

  // --- the service worker and updates ----------------------------------------------------------------

  function registerWorker() {
    if (!navigator.serviceWorker) return;
    let accepted = false;
    // Never reload under a typing leader: offer the update, reload only when they choose it.
    const offer = (waiting) => toast(t('newVersion'), {
      label: t('update'), run: () => { accepted = true; waiting.postMessage({ type: 'skip-waiting' }); },
    });
    navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }).then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const installing = registration.installing;
        installing.addEventListener('statechange', () => {
          if (installing.state === 'installed' && navigator.serviceWorker.controller) offer(installing);
        });
      });
      // A page that loaded while the first worker was installing missed its claim: ask again.
      navigator.serviceWorker.ready.then((ready) => {
        if (!navigator.serviceWorker.controller && ready.active) ready.active.postMessage({ type: 'claim' });
      });
    }).catch(() => null);  // no worker: the app still works online
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (accepted) location.reload();
      else if (USER_ID) refreshPages();  // the first worker just took over: keep the pages now
    });
  }

  // --- events --------------------------------------------------------------------------------------

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!canQueue || !USER_ID) return;
    if (form.matches('form[data-outbox-form="visit"]')) {
      event.preventDefault();
      event.stopPropagation();
      saveVisit(form);
    } else if (form.matches('form[action="/logout"]')) {
      event.preventDefault();
      confirmLogout(form);
    }
  }, true);

  document.addEventListener('click', async (event) => {
    const target = event.target.closest('[data-sync-now], [data-withdraw], [data-dismiss]');
    if (!target) return;
    if (target.matches('[data-sync-now]')) {
      const summary = await syncNow('button');
      document.dispatchEvent(new CustomEvent('louzu:synced', { detail: summary }));
    } else if (target.matches('[data-withdraw]')) {
      const choice = await choose(t('withdrawTitle'), t('withdrawBody'), [
        { value: 'withdraw', label: t('withdraw'), primary: true }, { value: 'cancel', label: t('cancel') }]);
      if (choice === 'withdraw') await Outbox.remove(target.dataset.withdraw);
    } else {
      await Outbox.remove(target.dataset.dismiss);  // the office has both versions already
    }
    render();
  });

  addEventListener('online', () => { backoffMs = 0; syncNow('online'); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { render(); syncNow('visible'); }
  });
  addEventListener('hashchange', startEditing);
  document.addEventListener('htmx:afterSettle', () => render());

  if (canQueue) {
    new BroadcastChannel(Outbox.CHANNEL).onmessage = async (event) => {
      if (event.data && event.data.type === 'pages-refreshed' && !(await Outbox.getMeta('offline_ready_told'))) {
        toast(t('offlineReady'));  // said once
        await Outbox.setMeta('offline_ready_told', true);
      }
      render();
    };
  }

  async function start() {
    registerWorker();
    if (!canQueue) return;
    const params = new URLSearchParams(location.search);
    if (USER_ID) {
      // A kept copy carries the token of the session it was fetched in: adopt only fresh pages.
      if (!document.documentElement.dataset.cachedAt) await adoptSession();
      freshenForm($('form[data-outbox-form="visit"]'));
      await startEditing();
      await render();
      const pages = await Outbox.getMeta('pages');
      // Pages also change with the date (who is due): refresh kept pages at least hourly.
      if (!pages || pages.user_id !== USER_ID || Date.now() - pages.at > 3600000) refreshPages();
      await syncNow('load');
    } else if (params.get('revoked') || params.get('logged_out')) {
      // The server ended this phone's session: nothing of the last user stays.
      await Outbox.wipe();
      const form = $('form[action="/login"]');
      if (params.get('revoked') && form) form.before(el('p', { class: 'notice', text: t('revokedWiped') }));
      await render();
    } else {
      await render();
    }
  }

  // What the phone status page (phone.js) builds on.
  self.Louzu = { t, el, $, $all, shortTime, entryItem, render, renderers, syncNow };
  start().catch(() => null);  // storage refused (private mode?): the forms still post
})();
