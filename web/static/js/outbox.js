/* Louzu outbox: every entry waits in IndexedDB until the server acknowledges it.
   One classic script shared by the pages (<script>) and the service worker (importScripts),
   so both flush the same way, under the same Web Lock. */
'use strict';
(() => {
  const DB_NAME = 'louzu';
  const DB_SCHEMA = 1;       // IndexedDB object stores
  const OUTBOX_VERSION = 2;  // the format of one entry; older entries are migrated, never dropped
  const BATCH_SIZE = 50;     // records per push: 50 waiting entries take one round trip
  const MAX_ROUNDS = 20;     // per flush: a server that never answers an entry cannot loop us
  // A push with no answer by then is given up, so the lock is released. Test hook: the meta
  // key 'push_timeout_ms' shortens it (tests/browser/test_sync_hang.py).
  const PUSH_TIMEOUT_MS = 30000;
  const FLUSH_LOCK = 'louzu-outbox-flush';
  const PAGES_CACHE_PREFIX = 'louzu-pages-u';
  const CHANNEL = 'louzu-outbox';
  const ACKED_KEEP_MS = 2 * 86400000;  // a kept page lists an uploaded visit long before this

  // Entry format history. Each step turns format N into N + 1 inside one transaction.
  //   1: {id, record, state, error, attempts, saved_at}; one user per phone, so no owner.
  //   2: adds user_id (outboxes are kept per user) and household_id (the household page
  //      lists its waiting entries without opening every record).
  // Records of other types (answer, roster_change) are entries of the same shape: record.type
  // tells them apart, household_id is the household whose page shows them, and labels (free
  // display words, never sent) may carry page/summary/context. No new format, no migration.
  // unconfirmed (optional): a push carried the entry without an answer; it may be on the server.
  const MIGRATIONS = {
    1: (entry, ctx) => Object.assign(entry, {
      user_id: entry.user_id || ctx.userId,
      household_id: entry.record && entry.record.data ? entry.record.data.household_id : null,
      attempts: entry.attempts || 0, error: entry.error || null, state: entry.state || 'waiting',
    }),
  };

  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  const notify = (type = 'changed') => channel && channel.postMessage({ type });
  const promised = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  let dbPromise = null;
  function open() {
    dbPromise = dbPromise || new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_SCHEMA);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
      };
      request.onsuccess = () => {
        // A newer page or worker wants to upgrade the stores: let it, reopen next time.
        request.result.onversionchange = () => { request.result.close(); dbPromise = null; };
        resolve(request.result);
      };
      request.onerror = () => { dbPromise = null; reject(request.error); };
    }).then(async (db) => { await migrate(db); return db; });
    return dbPromise;
  }

  // Runs fn(stores...) in one transaction; resolves with fn's result once it has committed.
  async function transact(names, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      let result;
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
      Promise.resolve(fn(...names.map((name) => tx.objectStore(name))))
        .then((value) => { result = value; }, (error) => { tx.abort(); reject(error); });
    });
  }

  function migrate(db) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(['outbox', 'meta'], 'readwrite');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      const outbox = tx.objectStore('outbox');
      const meta = tx.objectStore('meta');
      Promise.all([promised(meta.get('outbox_version')), promised(meta.get('session')), promised(outbox.getAll())])
        .then(([marker, session, entries]) => {
          if (marker && marker.value === OUTBOX_VERSION) return;
          // No marker but entries present: written by the first format, before markers.
          const from = marker ? marker.value : (entries.length ? 1 : OUTBOX_VERSION);
          const ctx = { userId: session && session.value ? session.value.user_id : null };
          for (let entry of entries) {
            for (let v = from; v < OUTBOX_VERSION; v++) entry = MIGRATIONS[v](entry, ctx);
            outbox.put(entry);
          }
          meta.put({ key: 'outbox_version', value: OUTBOX_VERSION });
        });
    });
  }

  const getMeta = (key) => transact(['meta'], 'readonly', async (meta) => {
    const row = await promised(meta.get(key));
    return row ? row.value : undefined;
  });
  const setMeta = (key, value) => transact(['meta'], 'readwrite', (meta) => { meta.put({ key, value }); });
  const allEntries = () => transact(['outbox'], 'readonly', (outbox) => promised(outbox.getAll()));
  const get = (id) => transact(['outbox'], 'readonly', (outbox) => promised(outbox.get(id)));

  const pagesCacheName = (userId) => PAGES_CACHE_PREFIX + userId;
  async function deletePagesCaches(keepUserId) {
    if (typeof caches === 'undefined') return;
    const keep = keepUserId == null ? null : pagesCacheName(keepUserId);
    for (const name of await caches.keys()) {
      if (name.startsWith(PAGES_CACHE_PREFIX) && name !== keep) await caches.delete(name);
    }
  }

  // The session the phone works for: {user_id, csrf_token, problem}. A page rendered for a
  // logged-in user calls adopt() with what the server put in it.
  const session = () => getMeta('session');

  async function adopt(userId, csrfToken) {
    const current = await session();
    const changedUser = !current || current.user_id !== userId;
    const newSession = changedUser || current.csrf_token !== csrfToken || !!current.problem;
    await setMeta('session', { user_id: userId, csrf_token: csrfToken, problem: null });
    if (changedUser) await Promise.all([deletePagesCaches(userId), setMeta('acked', [])]);  // the last user's kept pages go
    if (newSession) notify();
    return { changedUser, newSession };
  }

  async function setProblem(problem) {
    const current = await session();
    if (current) await setMeta('session', { ...current, problem });
    notify();
  }

  async function deviceId() {
    let id = await getMeta('device_id');
    if (!id) await setMeta('device_id', (id = crypto.randomUUID()));
    return id;
  }

  async function entriesOf(userId) {
    const mine = (await allEntries()).filter((e) => e.user_id === userId);
    return mine.sort((a, b) => (a.saved_at < b.saved_at ? -1 : a.saved_at > b.saved_at ? 1 : 0));
  }

  // What the phone holds for the current user, and how many entries other accounts left.
  async function status() {
    const [s, all, lastSync, acked, pushProblem, flushing] = await Promise.all([session(), allEntries(),
      getMeta('last_sync'), getMeta('acked'), getMeta('push_problem'), flushRunning()]);
    const userId = s ? s.user_id : null;
    const mine = all.filter((e) => e.user_id === userId);
    const count = (...states) => mine.filter((e) => states.includes(e.state)).length;
    return {
      userId, problem: s ? s.problem : null, lastSync: lastSync || null, entries: mine,
      pushProblem: pushProblem || null, flushing,
      waiting: count('waiting', 'sending'), rejected: count('rejected'), conflict: count('conflict'),
      otherUsers: all.length - mine.length, acked: (acked || []).filter((c) => c.user_id === userId),
    };
  }

  // labels: what the leader saw when saving (household, residents' names), to list the entry
  // offline; they are not sent.
  async function add(record, labels, householdId) {
    const s = await session();
    if (!s) throw new Error('no session on this phone');
    const entry = {
      id: record.id, user_id: s.user_id, household_id: householdId || record.data.household_id || null, record,
      labels: labels || null, state: 'waiting', error: null, attempts: 0,
      saved_at: new Date().toISOString(), last_attempt_at: null, server_version: null,
    };
    await transact(['outbox'], 'readwrite', (outbox) => { outbox.add(entry); });
    notify();
    return entry;
  }

  // A corrected rejected entry is sent again under the same id: the server never stored it (a
  // refused update stays an update of the version it was made from, withdrawn or not).
  const correct = (id, record, householdId) => change([id], (entry) => Object.assign(entry, {
    record: entry.record.op !== 'update' ? record : { ...record, op: 'update', base_version: entry.record.base_version,
      data: { ...record.data, withdrawn: !!entry.record.data.withdrawn } },
    household_id: householdId || record.data.household_id || entry.household_id, state: 'waiting', error: null,
  })).then(() => notify());

  const remove = (id) => transact(['outbox'], 'readwrite', (outbox) => { outbox.delete(id); }).then(() => notify());

  // A leader's change to one of their visits (record: an update made from the version the page
  // showed; data.withdrawn to withdraw). An entry that never reached the server is replaced and
  // stays a create (a withdrawn one simply goes); a waiting update is replaced and keeps its
  // base_version; a synced visit gets the update, from the newest version this phone knows.
  // Replacing an entry waits for a running flush (it may be reading or sending that entry);
  // a new update does not, so a hung push never holds up the leader's save.
  async function amend(record, labels, householdId) {
    const s = await session();
    if (!s) throw new Error('no session on this phone');
    const write = (mayReplace) => transact(['outbox', 'meta'], 'readwrite', async (outbox, meta) => {
      const [entry, acked] = await Promise.all([promised(outbox.get(record.id)), promised(meta.get('acked'))]);
      if (entry && !mayReplace) return 'busy';
      const copy = ((acked && acked.value) || []).find((c) => c.id === record.id);
      let next = record;
      if (entry && entry.record.op === 'create') {
        const { withdrawn, ...data } = record.data;
        if (withdrawn) { outbox.delete(record.id); return null; }
        next = { ...record, op: 'create', base_version: null, data };
      } else if (entry && entry.state !== 'conflict') {
        next = { ...record, base_version: entry.record.base_version };
      } else {
        next = { ...record, base_version: Math.max(record.base_version || 0, copy ? copy.server_version || 0 : 0) || null };
      }
      const changed = Object.assign(entry || {
        id: record.id, user_id: s.user_id, attempts: 0, saved_at: new Date().toISOString(), last_attempt_at: null,
      }, { record: next, household_id: householdId || record.data.household_id, state: 'waiting', error: null,
           labels: labels || (entry || copy || {}).labels || null, server_version: null });
      outbox.put(changed);
      return changed;
    });
    const free = self.navigator && navigator.locks && navigator.locks.request
      ? await navigator.locks.request(FLUSH_LOCK, { ifAvailable: true }, (lock) => (lock ? write(true) : 'locked'))
      : await write(true);
    let result = free === 'locked' ? await write(false) : free;
    if (result === 'busy') result = await locked(() => write(true));
    notify();
    return result;
  }

  // What an acknowledged visit looked like, kept (without sending anything) so the lists show it
  // as uploaded until the page the server renders lists it; pruned after ACKED_KEEP_MS.
  async function keepAcked(entries) {
    if (!entries.length) return;
    const now = Date.now();
    const ids = new Set(entries.map((e) => e.id));
    const kept = ((await getMeta('acked')) || []).filter((c) => !ids.has(c.id) && now - c.acked_at < ACKED_KEEP_MS);
    await setMeta('acked', [...kept, ...entries.map(({ id, user_id, household_id, record, labels, server_version }) => ({
      id, user_id, household_id, record, labels, server_version, acked_at: now, state: 'synced' }))]);
  }

  // Logout, revocation: nothing personal stays. The install's device id is not personal.
  async function wipe() {
    await transact(['outbox', 'meta'], 'readwrite', (outbox, meta) => {
      outbox.clear();
      for (const key of ['session', 'last_sync', 'push_problem', 'pages', 'persist_asked', 'offline_ready_told', 'acked']) meta.delete(key);
    });
    await deletePagesCaches(null);
    // Drafts (drafts.js) are what the leader typed: they go too (a page does it; no localStorage in the worker).
    try { Object.keys(self.localStorage || {}).filter((k) => k.startsWith('louzu-draft:')).forEach((k) => localStorage.removeItem(k)); } catch (e) { /* refused */ }
    notify('wiped');
  }

  // changeFn answers the entry to keep, or null to drop it.
  const change = (ids, changeFn) => transact(['outbox'], 'readwrite', (outbox) =>
    Promise.all(ids.map(async (id) => {
      const entry = await promised(outbox.get(id));
      if (!entry) return;
      const changed = changeFn(entry);
      if (changed === null) outbox.delete(id); else outbox.put(changed);
    })));

  const locked = (fn) => (self.navigator && navigator.locks && navigator.locks.request
    ? navigator.locks.request(FLUSH_LOCK, fn)
    : fn());  // no Web Locks: the server's idempotent apply still prevents doubles
  // Is a flush running in some tab or the worker? Only then are "sending" entries in flight.
  const flushRunning = async () => !!(self.navigator && navigator.locks && navigator.locks.query &&
    (await navigator.locks.query()).held.some((lock) => lock.name === FLUSH_LOCK));

  // Why the last push failed, for every tab and the worker: 'network' (no signal), 'unreachable'
  // (no answer in time, or a proxy's 502/503/504), 'server_<status>', 'forbidden'. Only an
  // answered push clears it.
  async function rememberProblem(problem) {
    await setMeta('push_problem', problem);
    notify();
  }

  // The token is per session; a stale one means another tab logged in again. Ask for it.
  async function freshToken(s) {
    const response = await fetch('/api/auth/me', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) return null;
    const body = await response.json();
    if (!body.user || body.user.id !== s.user_id) return null;
    const fresh = { ...s, csrf_token: body.csrf_token };
    await setMeta('session', fresh);
    return fresh;
  }

  let inFlight = null;  // this context's push {controller, startedAt}, for interrupt()

  // One push, its deadline covering the whole answer (headers or body can stall). Answers
  // {status, ok, body}; throws when none came (no signal, timeout, interrupted).
  async function push(s, device, batch) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), (await getMeta('push_timeout_ms')) || PUSH_TIMEOUT_MS);
    inFlight = { controller, startedAt: Date.now() };
    try {
      const response = await fetch('/api/sync/push', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', signal: controller.signal,
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': s.csrf_token },
        body: JSON.stringify({ protocol: 1, device_id: device, records: batch.map((e) => e.record) }),
      });
      const text = await response.text();
      let body = {};
      try { body = JSON.parse(text); } catch (error) { /* an error page, not the protocol's JSON */ }
      return { status: response.status, ok: response.ok, body };
    } finally {
      clearTimeout(timer);
      inFlight = null;
    }
  }
  // A push sent before the signal went (at `lostAt`) will get no answer: give it up. The push
  // may be the worker's or another tab's, so every context gives up its own — but not one sent
  // after the signal came back (the worker's Background Sync often starts first), whose answer
  // is on its way: aborting it would leave its entries unconfirmed for nothing.
  const giveUp = (lostAt) => { if (inFlight && inFlight.startedAt <= lostAt) inFlight.controller.abort(); };
  const interrupt = (lostAt) => { giveUp(lostAt); if (channel) channel.postMessage({ type: 'interrupt', lostAt }); };
  if (channel) channel.addEventListener('message', (e) => { if (e.data.type === 'interrupt') giveUp(e.data.lostAt); });

  // Sends waiting entries in batches until none wait or the network or session says stop.
  // Answers {ok, sent, acknowledged, rejected, remaining, problem, requests}. One flush at a
  // time across tabs and the worker, so no batch is ever in flight twice; every push has a
  // deadline, so no flush holds the lock for longer than that.
  const flush = () => locked(async () => {
    const summary = { ok: true, sent: 0, acknowledged: 0, rejected: 0, remaining: 0, problem: null, requests: 0 };
    let [s, device] = await Promise.all([session(), deviceId()]);
    if (!s || s.problem) return { ...summary, ok: false, problem: s ? s.problem : 'no_session' };
    // The batch waits again; unconfirmed if the push may have reached the server.
    const stop = async (batch, problem, unconfirmed) => {
      const now = new Date().toISOString();
      await change(batch.map((e) => e.id), (e) => Object.assign(e, {
        state: 'waiting', attempts: e.attempts + 1, last_attempt_at: now, unconfirmed: !!(e.unconfirmed || unconfirmed) }));
      if (!problem.startsWith('session_')) await rememberProblem(problem);  // session problems live in the session
      return { ...summary, ok: false, problem };
    };
    // Under the lock nobody else is sending: "sending" left behind is a closed tab's (maybe arrived).
    const stuck = (await entriesOf(s.user_id)).filter((e) => e.state === 'sending');
    await change(stuck.map((e) => e.id), (e) => Object.assign(e, { state: 'waiting', unconfirmed: true }));
    let tokenRetried = false;
    while (summary.requests < MAX_ROUNDS) {
      const waiting = (await entriesOf(s.user_id)).filter((e) => e.state === 'waiting');
      summary.remaining = waiting.length;
      if (!waiting.length) break;
      const batch = waiting.slice(0, BATCH_SIZE);
      await change(batch.map((e) => e.id), (e) => Object.assign(e, { state: 'sending' }));
      notify();
      summary.requests += 1;
      let response;
      try {
        response = await push(s, device, batch);
      } catch (error) {
        // No answer. With no signal the request never left; otherwise it may have arrived.
        const offline = self.navigator && navigator.onLine === false;
        return stop(batch, offline ? 'network' : 'unreachable', !offline || error.name === 'AbortError');
      }
      if (response.status === 401) {
        const problem = response.body.error === 'session_revoked' ? 'session_revoked' : 'session_expired';
        const result = await stop(batch, problem, false);
        // Not if the leader logged in again meanwhile (a late answer to the old session).
        const now = await session();
        if (now && now.csrf_token === s.csrf_token) await setProblem(problem);
        return result;
      }
      if (response.status === 403 && !tokenRetried) {
        tokenRetried = true;
        const fresh = await freshToken(s).catch(() => null);
        if (!fresh) return stop(batch, 'forbidden', false);
        s = fresh;
        await change(batch.map((e) => e.id), (e) => Object.assign(e, { state: 'waiting' }));
        continue;
      }
      if ([502, 503, 504].includes(response.status)) return stop(batch, 'unreachable', true);  // a proxy's words
      if (!response.ok) return stop(batch, 'server_' + response.status, response.status >= 500);
      await acknowledge(batch, response.body, summary);
    }
    notify();
    return summary;
  });

  // Only `applied` and `duplicate` take an entry out; anything else stays, visibly.
  async function acknowledge(batch, body, summary) {
    const results = new Map((body.results || []).map((r) => [r.id, r]));
    const now = new Date().toISOString();
    summary.sent += batch.length;
    // The copy is kept before the entry goes: never a moment with neither (amend reads both).
    await keepAcked(batch.filter((e) => e.record.type === 'visit' && ['applied', 'duplicate'].includes((results.get(e.id) || {}).status))
      .map((e) => ({ ...e, server_version: results.get(e.id).version || null })));
    await change(batch.map((e) => e.id), (entry) => {
      const result = results.get(entry.id);
      Object.assign(entry, { attempts: entry.attempts + 1, last_attempt_at: now });
      if (!result) return Object.assign(entry, { state: 'waiting' });  // not answered: try again
      entry.unconfirmed = false;
      if (result.status === 'applied' || result.status === 'duplicate') {
        summary.acknowledged += 1;
        return null;
      }
      entry.server_version = result.version || null;
      if (result.status === 'conflict') return Object.assign(entry, { state: 'conflict', error: result.error || null });
      summary.rejected += 1;
      return Object.assign(entry, { state: 'rejected', error: result.error || { code: 'rejected', message: '' } });
    });
    await transact(['meta'], 'readwrite', (meta) => {
      meta.put({ key: 'last_sync', value: { at: Date.now(), server_time: body.server_time || null } });
      meta.delete('push_problem');  // the server answered
    });
    notify();
  }

  self.LouzuOutbox = {
    CHANNEL, open, getMeta, setMeta, session, adopt, setProblem, status, add, correct, amend, get, remove,
    flush, interrupt, wipe, pagesCacheName, PUSH_TIMEOUT_MS,
  };
})();
