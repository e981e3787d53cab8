/* Drafts: what a leader types in an outbox form stays on the phone until it is saved or
   discarded, across links, reloads and lost signal; the form is filled again when its page
   opens, and the page says so. Kept in localStorage under the user, the page and the form;
   Outbox.wipe() removes every draft at logout or revocation. */
'use strict';
(() => {
  const PREFIX = 'louzu-draft:';
  const script = document.querySelector('script[data-user-id]');
  const USER_ID = script && script.dataset.userId;
  let storage = null;
  try { storage = self.localStorage; } catch (error) { /* storage refused: no drafts */ }
  if (!USER_ID || !storage) return;


  const FORMS = 'form[data-outbox-form]';
  const notices = new WeakMap();  // form -> the notice that its draft was restored
  const isChoice = (c) => c.type === 'checkbox' || c.type === 'radio';
  const controlsOf = (form) => [...form.elements].filter((c) => c.name && c.type !== 'hidden' &&
    c.name !== 'id' && c.name !== '_csrf' && c.tagName !== 'BUTTON');
  const keyOf = (form) => [PREFIX + USER_ID, location.pathname, form.dataset.outboxForm, form.dataset.questionId || ''].join(':');
  // A sent-back entry or a saved visit being changed fills the form from the outbox: not a draft.
  const editing = (form) => !!form.dataset.editingId || /^#(edit|change)=/.test(location.hash);

  // The controls the leader changed from the page's own values: a group's checked values, or a text.
  const defaultOption = (select) => ([...select.options].find((o) => o.defaultSelected) || select.options[0] || { value: '' }).value;
  const now = (c) => (isChoice(c) ? (c.checked ? [c.value] : []) : [c.value]);
  const initial = (c) => (isChoice(c) ? (c.defaultChecked ? [c.value] : []) : [c.tagName === 'SELECT' ? defaultOption(c) : c.defaultValue]);
  function typed(form) {
    const changed = {};
    const controls = controlsOf(form);
    for (const name of new Set(controls.map((c) => c.name))) {
      const group = controls.filter((c) => c.name === name);
      const values = group.flatMap(now);
      if (JSON.stringify(values) !== JSON.stringify(group.flatMap(initial))) changed[name] = values;
    }
    return changed;
  }

  function keep(form) {
    if (editing(form)) return;
    const changed = typed(form);
    try {
      if (Object.keys(changed).length) storage.setItem(keyOf(form), JSON.stringify({ at: Date.now(), fields: changed }));
      else storage.removeItem(keyOf(form));
    } catch (error) { /* storage full: the form still works */ }
  }

  function forget(form) {
    try { storage.removeItem(keyOf(form)); } catch (error) { /* nothing kept */ }
    if (notices.has(form)) { notices.get(form).remove(); notices.delete(form); }
  }

  function restore(form) {
    let draft = null;
    try { draft = JSON.parse(storage.getItem(keyOf(form)) || 'null'); } catch (error) { draft = null; }
    if (!draft || !draft.fields || editing(form)) return;
    for (const control of controlsOf(form)) {
      const values = draft.fields[control.name];
      if (!values) continue;
      if (isChoice(control)) control.checked = values.includes(control.value);
      else control.value = values[0] ?? '';
    }
    form.dispatchEvent(new Event('louzu:draft-restored', { bubbles: true }));
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button secondary';
    button.textContent = self.Louzu.t('discardDraft');
    button.addEventListener('click', () => discard(form));
    const note = document.createElement('p');
    note.className = 'notice draft-notice';
    note.setAttribute('data-draft-notice', '');
    note.setAttribute('role', 'status');
    note.append(self.Louzu.t('draftRestored') + ' ', button);
    form.before(note);
    notices.set(form, note);
  }

  function discard(form) {
    forget(form);
    form.reset();
    const when = form.elements.occurred_at;  // as forms.js's freshenForm does: a kept copy's "now" is old
    if (when && when.value === when.defaultValue) when.value = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 16);
    form.dispatchEvent(new Event('louzu:draft-discarded', { bubbles: true }));
    (form.querySelector('input:not([type=hidden]), textarea, select') || form).focus();
  }

  const formOf = (event) => event.target.closest && event.target.closest(FORMS);
  document.addEventListener('input', (event) => { const form = formOf(event); if (form) keep(form); });
  document.addEventListener('change', (event) => { const form = formOf(event); if (form) keep(form); });
  // app.js says when the entry is in the outbox; a form posted to the server (no outbox on
  // this phone) takes its values with it, and the server shows them again if it refuses.
  document.addEventListener('louzu:saved', (event) => { const form = formOf(event); if (form) forget(form); });
  document.addEventListener('submit', (event) => {
    if (!event.defaultPrevented && event.target.matches(FORMS)) forget(event.target);
  });

  document.querySelectorAll(FORMS).forEach(restore);
  self.LouzuDrafts = { keep, forget, PREFIX };
})();
