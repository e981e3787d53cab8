/* The "report a change" form with a script: only the chosen change's fields are shown (and
   sent); choosing a resident under 居民信息有变化 ticks their current care flags, and the form
   says in words what the report will change ("困难 → 去掉"). Unchanged flags are not proposed.
   Without this script the whole form shows and the hint explains the ticks. */
'use strict';
(() => {
  const form = document.querySelector('form[data-outbox-form="roster_change"]');
  if (!form) return;
  const $all = (selector) => [...form.querySelectorAll(selector)];
  const changes = form.querySelector('[data-flag-changes]');
  const flagBoxes = $all('input[name="fields.care_flags"]');
  const chosenChange = () => (form.querySelector('input[name="change"]:checked') || { value: '' }).value;
  const chosenResident = () => form.querySelector('input[name="resident_id"]:checked[data-flags]');
  const currentFlags = (resident) => (resident ? resident.dataset.flags.split(' ').filter(Boolean) : []);
  const ticked = () => flagBoxes.filter((box) => box.checked).map((box) => box.value);
  const wordOf = (flag) => { const box = flagBoxes.find((b) => b.value === flag); return box ? box.closest('label').textContent.trim() : flag; };
  const same = (a, b) => a.length === b.length && a.every((x) => b.includes(x));

  // What the report would change in the resident's care flags, in words.
  function sayChanges() {
    const resident = chosenResident();
    changes.hidden = chosenChange() !== 'update' || !resident;
    if (changes.hidden) return;
    const before = currentFlags(resident), after = ticked();
    if (!after.length || same(before, after)) { changes.textContent = changes.dataset.unchanged; return; }
    const lines = [...after.filter((f) => !before.includes(f)).map((f) => `${wordOf(f)} → ${changes.dataset.added}`),
      ...before.filter((f) => !after.includes(f)).map((f) => `${wordOf(f)} → ${changes.dataset.removed}`)];
    changes.textContent = [changes.dataset.heading, ...lines].join('\n');  // one change a line
  }

  // Each change shows only its own fields; hidden ones are disabled, so they are not sent.
  function showFields() {
    const change = chosenChange();
    if (!change) return;  // nothing chosen yet (or a form filled from the outbox): all shown
    for (const part of $all('[data-show-for]')) {
      const shown = part.dataset.showFor.split(' ').includes(change);
      part.hidden = !shown;
      for (const control of part.matches('input, select, textarea') ? [part] : part.querySelectorAll('input, select, textarea')) control.disabled = !shown;
    }
    if (change === 'new_resident') form.querySelector('#resident-new').checked = true;
    else if (form.querySelector('#resident-new').checked) form.querySelector('#resident-new').checked = false;
  }

  function tickCurrentFlags() {
    const resident = chosenResident();
    if (chosenChange() !== 'update' || !resident) return;
    const flags = currentFlags(resident);
    flagBoxes.forEach((box) => { box.checked = flags.includes(box.value); });
    form.dispatchEvent(new Event('change', { bubbles: true }));  // drafts.js keeps the ticks too
  }

  form.addEventListener('change', (event) => {
    const name = event.target.name;
    if (name === 'change' || name === 'resident_id') { showFields(); tickCurrentFlags(); }
    sayChanges();
  });
  form.addEventListener('focusin', () => { showFields(); sayChanges(); });  // after a form filled from the outbox
  form.addEventListener('reset', () => setTimeout(() => { $all('[data-show-for]').forEach((p) => { p.hidden = false; }); $all(':disabled').forEach((c) => { c.disabled = false; }); sayChanges(); }));

  // Before app.js (document, capture) reads the form: flags as they are now are no proposal.
  addEventListener('submit', (event) => {
    if (event.target !== form || chosenChange() !== 'update') return;
    const resident = chosenResident();
    if (resident && same(currentFlags(resident), ticked())) flagBoxes.forEach((box) => { box.checked = false; });
  }, true);

  const hints = [form.querySelector('[data-hint-plain]'), form.querySelector('[data-hint-scripted]')];
  if (hints[0] && hints[1]) { hints[0].hidden = true; hints[1].hidden = false; hints[1].id = hints[0].id; hints[0].removeAttribute('id'); }
  showFields();
  sayChanges();
})();
