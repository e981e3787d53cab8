/* Louzu on the page: saves every entry to the outbox first, flushes it, and always tells the
   leader what waits on the phone (status.js draws it). Behaviours hang on data-* attributes,
   delegated from the document, so content swapped in later (the home search's list) needs no
   re-binding. Loaded last of the shared scripts: outbox.js, words.<locale>.js, status.js, forms.js. */
'use strict';
(() => {
  const Louzu = self.Louzu;
  const { Outbox, USER_ID, canQueue, t, el, $, $all, shanghaiIso, render, toast, choose } = Louzu;
  const { readForm, refuse, fillForm, entryLabels, say, freshenForm } = Louzu;
  const SYNC_TAG = 'louzu-outbox';

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

  // Every form with data-outbox-form="<type>" is saved here as a record of that type.
  async function saveEntry(form) {
    const { data, missing } = readForm(form);
    if (missing.length) return refuse(form, missing);
    performance.mark('louzu-save-start');
    const type = form.dataset.outboxForm;
    const editing = form.dataset.editingId || '';
    const changing = form.dataset.changingId || '';  // one of the leader's visits (#change=)
    const id = editing || changing || crypto.randomUUID();  // made now, on the phone: never rendered into a page
    if (form.elements.id) form.elements.id.value = id;
    const record = {
      id, type, op: changing ? 'update' : 'create', base_version: changing ? Number(form.dataset.baseVersion) || null : null,
      client_time: shanghaiIso(new Date()), data,
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
    say(form, t(editing || changing ? 'savedChanged' : 'saved'), 'success');
    Object.assign(form.previousElementSibling.dataset, { entryId: id, entryType: type });
    askBackgroundSync();
    backoffMs = 0;
    await render();
    return syncNow('save');
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
      .then((r) => { if (r.status < 500) Louzu.serverAnswered(); render(); }, () => null);
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
  // What the phone status page (phone.js) and the visit lists (visits.js) build on, besides status.js's.
  Object.assign(Louzu, { syncNow, revoked });
  start().catch(() => null);  // storage refused (private mode?): the forms still post
})();
