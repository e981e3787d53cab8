/* The leader's visit lists (最近的走访, 我的记录) and changing their own visits: entries still on
   the phone and copies of those just uploaded listed with their state; 修改 (#change=<id>) and
   撤回 on a visit, offline too. Loaded after app.js on the household page, 我的记录 and 本机状态. */
'use strict';
(() => {
  const Outbox = self.LouzuOutbox;
  const { t, $, $all, shanghaiIso, entryItem, render, renderers, syncNow, choose, fillForm, say, canQueue, USER_ID } = self.Louzu;

  // 最近的走访 (one household) and 我的记录 (all): the leader's visits still on the phone, and
  // copies of those just uploaded until the page the server rendered lists that version, in
  // the list itself — on top, or in place of the visit a change replaces.
  function renderVisitList(status) {
    const list = $('[data-visit-list]');
    if (!list) return;
    const household = Number(list.dataset.householdId) || 0;
    const mine = (e) => e.record.type === 'visit' && (!household || e.household_id === household);
    const shown = (id) => $('#visit-' + id, list);
    const entries = status.entries.filter(mine);
    const onPhone = new Set(entries.map((e) => e.id));
    const synced = status.acked.filter((c) => mine(c) && !onPhone.has(c.id) &&
      (shown(c.id) ? Number(shown(c.id).dataset.version) : 0) < c.server_version);
    $all(':scope > [data-entry-id]', list).forEach((item) => item.remove());
    $all(':scope > [data-replaced]', list).forEach((item) => { item.hidden = false; delete item.dataset.replaced; });
    for (const entry of [...synced, ...entries]) {  // oldest first, each put on top: newest ends first
      const item = entryItem(entry, !household);
      item.classList.add('visit-item');
      const replaced = shown(entry.id);
      if (!replaced) list.prepend(item);
      else replaced.before(item);
      // A change stands in for the visit it changes; a conflict sits beside the server's version.
      if (replaced && entry.state !== 'conflict') { replaced.hidden = true; replaced.dataset.replaced = ''; }
    }
    $all('[data-own-actions]', list).forEach((actions) => { actions.hidden = false; });
    $('[data-no-visits]').hidden = !!$(':scope > :not([hidden])', list);
  }

  // What this phone knows of one of the leader's visits, newest first: a change still on the
  // phone, the copy of what it uploaded last, or the page's own (data-visit; stashed when 修改
  // was tapped on another page). {data, version, labels} or null.
  function knownVisit(id, status) {
    const item = $('#visit-' + id);
    // Voided by the office (作废, marked on the page the server rendered): nothing to change any
    // more, whatever copy this phone kept of it.
    if (item && item.classList.contains('voided')) return null;
    const json = (item && item.dataset.visit) || sessionStorage.getItem('louzu-change-' + id);
    const page = json ? JSON.parse(json) : null;
    const copy = status.acked.find((c) => c.id === id);
    const mine = status.entries.find((e) => e.id === id && e.state !== 'conflict') ||
      (copy && (!page || copy.server_version > page.version) ? copy : null);
    if (!mine) return page;
    return { data: mine.record.data, labels: mine.labels, entry: mine.state === 'synced' ? null : mine,
             version: Math.max(page ? page.version : 0, copy ? copy.server_version : 0) || null };
  }

  // "修改" on one of the leader's visits opens this page at #change=<id>: the visit fills the
  // form, and saving makes an update from the version shown (a waiting entry is replaced).
  async function startChanging(id) {
    const visit = knownVisit(id, await Outbox.status());
    const form = visit && $(`form[data-outbox-form="visit"][data-household-id="${visit.data.household_id}"]`);
    if (!form) return;
    sessionStorage.removeItem('louzu-change-' + id);
    fillForm(form, visit.data);
    delete form.dataset.editingId;
    Object.assign(form.dataset, { changingId: id, baseVersion: visit.version || '', occurredAt: visit.data.occurred_at });
    say(form, t('changing'), 'notice');
    form.scrollIntoView();
  }

  // Withdrawing, with one confirmation: an entry that never reached the server leaves the
  // phone; an uploaded visit gets an update marking it withdrawn (kept, out of every count).
  async function withdrawVisit(id) {
    const visit = knownVisit(id, await Outbox.status());
    if (!visit) return;
    const unsent = visit.entry && visit.entry.record.op === 'create';
    const choice = await choose(t('withdrawTitle'), unsent ? t('withdrawBody') : t('withdrawSyncedBody'), [
      { value: 'withdraw', label: t('withdraw'), primary: true }, { value: 'cancel', label: t('cancel') }]);
    if (choice !== 'withdraw') return;
    await Outbox.amend({ id, type: 'visit', op: 'update', base_version: visit.version, client_time: shanghaiIso(new Date()),
      data: { ...visit.data, withdrawn: true } }, visit.labels, visit.data.household_id);
    await render();
    syncNow('save');
  }

  document.addEventListener('click', (event) => {
    const change = event.target.closest('[data-change-visit]');
    const item = change && change.closest('[data-visit]');
    if (item) sessionStorage.setItem('louzu-change-' + change.dataset.changeVisit, item.dataset.visit);
    const withdraw = event.target.closest('[data-withdraw-visit]');
    if (withdraw && canQueue && USER_ID) withdrawVisit(withdraw.dataset.withdrawVisit);
  });

  const changeFromHash = () => {
    const match = /^#change=([0-9a-f-]{36})$/.exec(location.hash);
    if (match && canQueue && USER_ID) startChanging(match[1]);
  };
  // A visit stashed by 修改 on another page is for this page only, never kept longer.
  Object.keys(sessionStorage).filter((key) => key.startsWith('louzu-change-') && !location.hash.endsWith(key.slice(13)))
    .forEach((key) => sessionStorage.removeItem(key));
  addEventListener('hashchange', changeFromHash);
  renderers.push(renderVisitList);
  render().then(changeFromHash);
})();
