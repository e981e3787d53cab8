/* Louzu on the page: saves every entry to the outbox first, flushes it, and always tells the
   leader what waits on the phone. Behaviours hang on data-* attributes, delegated from the
   document, so content swapped in later (the home search's list) needs no re-binding. */
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
    keptBanner: '服务器没有及时回应，先显示手机上保存的页面 · 数据更新于 {t}',
    sendingMore: '正在上传 {n} 条，还有 {m} 条等待', noSignal: '没有信号 · {n} 条记录等待上传，有信号时自动上传',
    unreachable: '服务器暂时连不上 · {n} 条记录等待上传，稍后自动重试', serverError: '服务器出了问题 · {n} 条记录等待上传，稍后自动重试',
    unconfirmedOnLogin: '手机上有 {n} 条记录已经发出，还没有确认上传；登录后会自动核对，不会重复。',
    saved: '已保存在手机上，有信号时自动上传', savedCorrected: '已改好，保存在手机上，有信号时自动上传',
    editing: '正在修改被退回的记录：{m}',
    stateWaiting: '等待上传', stateSending: '正在上传…', stateRejected: '被退回：{m}',
    stateConflict: '和另一台手机上的修改冲突，两份都已交给居委会办公室处理',
    edit: '修改', withdraw: '撤回', dismiss: '知道了', openHousehold: '打开这户',
    visitTime: '走访时间 {t}',
    dueWaiting: '已看望 · 记录等待上传', dueWaitingCount: '其中 {n} 位已看望，记录还在手机上等待上传',
    withdrawTitle: '撤回这条记录？', withdrawBody: '这条记录没有上传到服务器。撤回后它会从手机上删除，不能恢复。',
    cancel: '取消', logoutTitle: '还有记录没有上传',
    logoutBody: '手机上还有 {n} 条记录没有上传到居委会。退出登录会把它们从手机上删除。',
    syncFirst: '先同步', logoutAnyway: '仍然退出', logoutOffline: '现在没有信号，退不了登录。有信号时再退出。',
    update: '更新', newVersion: '有新版本', offlineReady: '已可离线使用：没有信号时也能打开您的住户和记录表',
    waitingOnLogin: '手机上有 {n} 条记录等待上传，登录后会自动上传。',
    revokedWiped: '手机上保存的页面和记录已按管理员的要求清除。', listSep: '、',
    type_answer: '回复办公室的问题', type_roster_change: '住户变化',
    kind_routine: '日常走访', kind_elderly_check: '老人看望', kind_mediation: '矛盾调解', kind_safety: '安全检查',
    kind_assistance: '帮困求助', kind_other: '其他', status_ok: '一切安好', status_concern: '需要关注', status_urgent: '紧急',
    stateSynced: '已上传', uploaded: '已保存，已上传到居委会', withdrawnMark: '已撤回（这条记录作废）',
    savedChanged: '已改好，保存在手机上，有信号时自动上传', sentBack: '{n} 条记录被退回，请改好后再保存',
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

  const renderers = [renderSyncStatus, renderOfflineBanner, renderLinked, renderDueMarks, renderOfflinePage, renderLoginNotice, renderSentBack, renderSaved];

  async function render() {
    if (!canQueue) return;
    const status = await Outbox.status();
    if (status.problem === 'session_revoked' && USER_ID) return revoked();
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

  // Back in front, back from the bfcache, signal back: try at once, not after the back-off.
  function retryNow(reason) {
    backoffMs = 0;
    render();
    return syncNow(reason);
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

  function visitData(form) {
    const fields = new FormData(form);
    const now = new Date();
    const text = (name) => String(fields.get(name) || '');
    const occurred = text('occurred_at');
    return {
      household_id: Number(form.dataset.householdId),
      resident_ids: fields.getAll('resident_ids').map(Number),
      kind: text('kind'),
      occurred_at: occurred ? occurred.slice(0, 16) + ':00+08:00' : shanghaiIso(now),
      status: text('status'),
      notes: text('notes').replace(/\r\n/g, '\n'),
      follow_up_needed: fields.getAll('follow_up_needed').some((v) => ['1', 'on', 'true', 'yes'].includes(String(v))),
      follow_up_due: text('follow_up_due') || null,
    };
  }

  const isChoice = (control) => control.type === 'checkbox' || control.type === 'radio';
  const controlsOf = (form) => [...form.elements].filter((c) => c.name && c.name !== 'id' && c.name !== '_csrf' && !c.disabled);

  // Every other outbox form: the typing contract of server/leader/form_contract.py (data-type
  // int, bool, list-int, list-str; data-empty="null"; dotted names nest; empty is null).
  function formData(form) {
    const data = {};
    const controls = controlsOf(form);
    for (const name of new Set(controls.map((c) => c.name))) {
      const group = controls.filter((c) => c.name === name);
      const { type = '', empty } = group[0].dataset;
      const chosen = group.filter((c) => !isChoice(c) || c.checked).map((c) => c.value);
      let value = chosen.length ? chosen[0] : '';
      if (type.startsWith('list-')) value = chosen.length || empty !== 'null' ? chosen.map(type === 'list-int' ? Number : String) : null;
      else if (type === 'bool') value = !!chosen.length;
      else if (!value.trim()) value = null;
      else if (type === 'int') value = Number.isInteger(Number(value)) ? Number(value) : value;  // else the server says why
      const path = name.split('.');
      const last = path.pop();
      path.reduce((node, key) => (node[key] = node[key] || {}), data)[last] = value;
    }
    return data;
  }

  // The contract backwards: a rejected entry's data into its form again, to correct it.
  function fillForm(form, data) {
    for (const control of controlsOf(form)) {
      if (control.type === 'hidden') continue;
      const value = control.name.split('.').reduce((node, key) => (node == null ? node : node[key]), data);
      if (isChoice(control)) {
        control.checked = Array.isArray(value) ? value.map(String).includes(control.value)
          : typeof value === 'boolean' ? value : String(value ?? '') === control.value;
      } else if (value !== undefined) {
        control.value = control.type === 'datetime-local' ? String(value || '').slice(0, 16) : value ?? '';
      }
    }
  }

  // What the leader saw when saving, to list the entry offline (not sent).
  function entryLabels(form) {
    const labels = { household: ($('h1 .subtitle') || $('h1') || { textContent: '' }).textContent.trim(), page: location.pathname };
    const words = (c) => ($('span', c.closest('label') || c) || c).firstChild.textContent.trim();
    if (form.dataset.outboxForm === 'visit') {
      labels.residents = $all('input[name="resident_ids"]:checked', form).map((box) => (box.closest('label') || box).textContent.trim());
    } else {
      labels.summary = controlsOf(form).filter((c) => c.type !== 'hidden' && c.tagName !== 'TEXTAREA' && (isChoice(c) ? c.checked : c.value))
        .map((c) => (isChoice(c) ? words(c) : c.tagName === 'SELECT' ? c.selectedOptions[0].text : c.value)).join(WORDS.listSep);
      const question = $('.question-text', form.closest('li') || form);
      if (question) labels.context = question.textContent.trim();
    }
    return labels;
  }

  // Every form with data-outbox-form="<type>" is saved here as a record of that type.
  async function saveEntry(form) {
    performance.mark('louzu-save-start');
    const type = form.dataset.outboxForm;
    const editing = form.dataset.editingId || '';
    const changing = form.dataset.changingId || '';  // one of the leader's visits (#change=)
    const id = editing || changing || crypto.randomUUID();  // made now, on the phone: never rendered into a page
    if (form.elements.id) form.elements.id.value = id;
    const record = {
      id, type, op: changing ? 'update' : 'create', base_version: changing ? Number(form.dataset.baseVersion) || null : null,
      client_time: shanghaiIso(new Date()), data: type === 'visit' ? visitData(form) : formData(form),
    };
    // A change that leaves the visit's time alone keeps it to the second (the form shows minutes).
    if (changing && record.data.occurred_at.slice(0, 16) === (form.dataset.occurredAt || '').slice(0, 16)) {
      record.data.occurred_at = form.dataset.occurredAt;
    }
    const householdId = Number(form.dataset.householdId);
    if (changing) await Outbox.amend({ ...record, data: { ...record.data, withdrawn: false } }, entryLabels(form), householdId);
    else if (editing) await Outbox.correct(id, record, householdId);
    else await Outbox.add(record, entryLabels(form), householdId);
    performance.measure('louzu-outbox-save', 'louzu-save-start');
    form.dispatchEvent(new CustomEvent('louzu:saved', { bubbles: true, detail: { id } }));  // drafts.js forgets the draft
    form.reset();
    delete form.dataset.editingId;
    delete form.dataset.changingId;
    delete form.dataset.occurredAt;
    if (/^#(edit|change)=/.test(location.hash)) history.replaceState(null, '', location.pathname + location.search);
    freshenForm(form);
    say(form, t(editing ? 'savedCorrected' : changing ? 'savedChanged' : 'saved'), 'success');
    Object.assign(form.previousElementSibling.dataset, { entryId: id, entryType: type });
    askBackgroundSync();
    backoffMs = 0;
    await render();
    return syncNow('save');
  }

  // One message box above the form, announced to screen readers.
  function say(form, text, kind) {
    let box = form.previousElementSibling;
    if (!box || !box.matches('[data-outbox-message]')) form.before(box = el('p', { 'data-outbox-message': '', role: 'status', tabindex: '-1' }));
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

  // "修改" opens the page the entry was saved on at #edit=<id>: the rejected entry fills its
  // form, and saving sends it again under the same id (the server never stored it).
  async function startEditing() {
    const match = /^#edit=([0-9a-f-]{36})$/.exec(location.hash);
    const entry = match && await Outbox.get(match[1]);
    if (!entry || entry.state !== 'rejected' || entry.user_id !== USER_ID) return;
    const { type, data } = entry.record;
    const form = $all(`form[data-outbox-form="${type}"]`).find((f) => Number(f.dataset.householdId) === entry.household_id &&
      (!f.dataset.questionId || Number(f.dataset.questionId) === data.question_id));
    if (!form) return;
    fillForm(form, data);
    delete form.dataset.changingId;
    form.dataset.editingId = entry.id;
    const message = entry.error && entry.error.message ? entry.error.message : '';
    say(form, t('editing', { m: message }), 'notice');
    form.scrollIntoView();
    // The server's words at the field it named (checks.js), when the page has it.
    if (self.LouzuChecks && entry.error && entry.error.field) self.LouzuChecks.showAt(form, entry.error.field, message);
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
    if (form.matches('form[data-outbox-form]')) {
      event.preventDefault();
      event.stopPropagation();
      saveEntry(form);
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

  let signalLostAt = navigator.onLine ? 0 : Date.now();  // when this page last saw the signal go
  addEventListener('online', () => {
    if (!canQueue || !navigator.onLine) return;  // Chromium also fires it while still offline
    Outbox.interrupt(signalLostAt);  // a push sent before the signal went gets no answer: give it up now
    retryNow('online');
    if (USER_ID) refreshPages();  // the kept pages catch up with what changed meanwhile
    if (document.documentElement.dataset.cachedAt) setTimeout(probeServer, 1000);
  });
  // Does the server answer? That, not the signal alone, takes the offline banner away. Asked a
  // second after the signal returns, if it is still there: signals flicker.
  function probeServer() {
    if (!navigator.onLine) return;
    fetch('/api/auth/me', { cache: 'no-store', credentials: 'same-origin' })
      .then((r) => { answeredHere = answeredHere || r.status < 500; render(); }, () => null);
  }
  addEventListener('offline', () => { signalLostAt = Date.now(); render(); });
  addEventListener('pageshow', (event) => { if (event.persisted) retryNow('pageshow'); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') retryNow('visible'); });
  addEventListener('hashchange', startEditing);

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

  // What the phone status page (phone.js) and the visit lists (visits.js) build on.
  self.Louzu = { t, el, $, $all, shortTime, shanghaiIso, entryItem, render, renderers, syncNow, choose, fillForm, say, canQueue, USER_ID };
  start().catch(() => null);  // storage refused (private mode?): the forms still post
})();
