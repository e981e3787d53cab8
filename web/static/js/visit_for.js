/* A visit opened from a due card on home (/households/<id>#visit-for=<resident id>): the
   resident is ticked and the type is 老人看望, so the leader only chooses how things are and
   saves. The hash, not the query, carries the resident: a kept copy offline is the page
   without its query. (Online, the server's ?for= has ticked them already.) */
'use strict';
(() => {
  const match = /^#visit-for=(\d+)$/.exec(location.hash);
  const form = document.querySelector('form[data-outbox-form="visit"]');
  if (!match || !form || form.dataset.editingId) return;
  const resident = form.querySelector(`input[name="resident_ids"][value="${match[1]}"]`);
  if (!resident) return;  // moved away since the page was kept: nothing to tick
  resident.checked = true;
  const kind = form.querySelector('input[name="kind"][value="elderly_check"]');
  if (kind) kind.checked = true;
  // The residents at the top of the screen, how things are below them, the save bar under all.
  (form.querySelector('#field-resident_ids') || form).scrollIntoView({ block: 'start' });
})();
