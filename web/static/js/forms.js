/* The leader's outbox forms: one reader that makes a record's data of any of them (and fills a
   form back from it), what it refuses before anything is saved, and the message box above a
   form. Loaded after status.js, before app.js, which saves what readForm reads. */
'use strict';
(() => {
  const { t, el, $, $all, localInputValue } = self.Louzu;

  // The typing contract of server/core/forms.py: every named control is a key of data (not id, not
  // _csrf); dotted names nest; a control's type is its data-type: int, bool, date, list-int,
  // list-str (data-empty="null": nothing ticked is null, not []), local-datetime (the leader's
  // wall clock, sent with the committee's offset); any other control is text, null when empty
  // ("" with data-empty=""). Two types are the phone's own, for the visit form:
  // - page: a number the page sets on the form (data-household-id), not a control;
  // - str: text as chosen, "" when nothing is (an unchosen kind or status is "", which the
  //   sync rules refuse in their own words before anything is saved).
  // A local-datetime is required: the phone never makes one up (a leader back-filling
  // yesterday's visit must not get today).
  const TYPES = {
    visit: { household_id: 'page', kind: 'str', status: 'str' },
  };
  // What a required control left empty is refused with: the server's words for it (no JS).
  const MISSING = { occurred_at: 'occurredAtMissing' };

  const isChoice = (control) => control.type === 'checkbox' || control.type === 'radio';
  const controlsOf = (form) => [...form.elements].filter((c) => c.name && c.name !== 'id' && c.name !== '_csrf' && !c.disabled);
  const datasetKey = (name) => name.replace(/_(\w)/g, (_, letter) => letter.toUpperCase());

  // The record's data, and the required controls left empty (then nothing may be saved).
  function readForm(form) {
    const data = {}, missing = [];
    const types = TYPES[form.dataset.outboxForm] || {};
    const controls = controlsOf(form);
    for (const name of new Set([...Object.keys(types), ...controls.map((c) => c.name)])) {
      const group = controls.filter((c) => c.name === name);
      const { type = types[name] || 'text', empty } = group.length ? group[0].dataset : {};
      const chosen = group.filter((c) => !isChoice(c) || c.checked).map((c) => c.value);
      let value = chosen.length ? chosen[0] : '';
      if (type === 'page') value = Number(form.dataset[datasetKey(name)]);
      else if (type.startsWith('list-')) value = chosen.length || empty !== 'null' ? chosen.map(type === 'list-int' ? Number : String) : null;
      else if (type === 'bool') value = !!chosen.length;
      else if (type === 'str') value = value.replace(/\r\n/g, '\n');
      else if (!value.trim()) value = empty === '' ? '' : null;
      else if (type === 'int') value = Number.isInteger(Number(value)) ? Number(value) : value;  // else the server says why
      else if (type === 'local-datetime') value = value.slice(0, 16) + ':00+08:00';
      else if (empty === '') value = value.replace(/\r\n/g, '\n');  // text kept as typed (notes)
      if (type === 'local-datetime' && value === null) missing.push(name);
      const path = name.split('.');
      const last = path.pop();
      path.reduce((node, key) => (node[key] = node[key] || {}), data)[last] = value;
    }
    return { data, missing };
  }

  // Required controls left empty: each says so at its field, where the server would (checks.js
  // places it, and takes it away once the field is filled); nothing goes into the outbox.
  function refuse(form, missing) {
    const words = missing.map((name) => t(MISSING[name]));
    const control = self.LouzuChecks ? missing.map((name, i) => self.LouzuChecks.showAt(form, name, words[i]))[0] : null;
    if (!control) return say(form, words.join(' '), 'error');
    control.scrollIntoView({ block: 'center' });
    control.focus({ preventScroll: true });
  }

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
        .map((c) => (isChoice(c) ? words(c) : c.tagName === 'SELECT' ? c.selectedOptions[0].text : c.value)).join(t('listSep'));
      const question = $('.question-text', form.closest('li') || form);
      if (question) labels.context = question.textContent.trim();
    }
    return labels;
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

  Object.assign(self.Louzu, { readForm, refuse, fillForm, entryLabels, say, freshenForm });
})();
