/* Checks a form against its page's rules (data-rules: the server's, sync/form_rules.py) before
   app.js saves it to the outbox; offline too. Messages sit where the server's do (field_error in
   partials/form_errors.html); showAt also puts a sent-back entry's message there. */
'use strict';
(() => {
  const DAY = 864e5;
  const controls = (form, name) => [...form.elements].filter((c) => c.name === name && !c.disabled);
  // What the typing contract sends (server/core/forms.py): ticked boxes, non-blank text.
  const values = (form, name) => controls(form, name)
    .filter((c) => !/^(checkbox|radio)$/.test(c.type) || c.checked).map((c) => c.value).filter((v) => v.trim());
  const chars = (text) => [...text.replace(/\r\n?/g, '\n')].length;  // characters, as Python counts
  const year = () => new Date(Date.now() + 8 * 36e5).getUTCFullYear();  // in Shanghai
  const when = (text) => Date.parse(text.slice(0, 16) + ':00+08:00');  // as forms.js sends occurred_at
  const day = (text) => Date.parse(text.slice(0, 10) + 'T00:00:00Z') / DAY;  // a calendar day, as a number
  const today = () => new Date(Date.now() + 8 * 36e5).toISOString().slice(0, 10);  // in Shanghai
  const CHECKS = {
    required: (v) => v.length > 0,
    empty: (v) => !v.length,
    choice: (v, r) => (r.optional || v.length > 0) && v.every((x) => r.values.includes(x)),
    max_chars: (v, r) => v.every((x) => chars(x) <= r.max),
    int_range: (v, r) => v.every((x) => Number.isInteger(+x) && +x >= (r.min ?? -Infinity)
      && +x <= (r.max === 'this_year' ? year() : r.max ?? Infinity)),
    pattern: (v, r) => v.every((x) => new RegExp(r.pattern).test(x.trim())),
    not_after_days: (v, r) => v.every((x) => !(when(x) > Date.now() + r.days * DAY)),
    not_before_days: (v, r) => v.every((x) => !(when(x) < Date.now() - r.days * DAY)),
    max_count: (v, r) => v.length <= r.max,
    days_after: (v, r, form) => v.every((x) => {
      const days = day(x) - day(values(form, r.of)[0] || today());
      return !(days < (r.min ?? -Infinity) || days > (r.max ?? Infinity));
    }),
  };
  const applies = (form, w) => !w
    || (w.in ? values(form, w.field).some((x) => w.in.includes(x)) : values(form, w.field).length > 0 === w.filled);

  // The first broken rule of each field, in the server's order.
  function check(form) {
    const bad = [];
    for (const rule of JSON.parse(form.dataset.rules || '[]')) {
      if (bad.some((b) => b.field === rule.field) || !applies(form, rule.when)) continue;
      const v = (rule.controls || [rule.field]).flatMap((name) => values(form, name));
      if (!CHECKS[rule.check](v, rule, form)) {
        const count = Math.max(0, ...v.map(chars));
        bad.push({ field: rule.field, message: rule.message.replace('{max}', rule.max).replace('{count}', count) });
      }
    }
    return bad;
  }

  // The field's box (id field-<name>, as the server renders it) and the control to focus.
  function place(form, field) {
    const box = form.querySelector(`[id="field-${field.replace(/\./g, '-')}"]`);
    return { box, control: controls(form, field)[0] || (box && box.querySelector('input, select, textarea')) };
  }

  function describe(node, id, on) {
    const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
    if (on) ids.unshift(id);
    if (ids.length) node.setAttribute('aria-describedby', ids.join(' ')); else node.removeAttribute('aria-describedby');
    if (on) node.setAttribute('aria-invalid', 'true'); else node.removeAttribute('aria-invalid');
  }

  // One page holds an answer form per question: their ids carry the question's.
  const slotId = (form, field) => 'error-' + (form.dataset.questionId ? 'answer-' + form.dataset.questionId
    : field.replace(/\./g, '-'));

  function showAt(form, field, message) {
    const { box, control } = place(form, field);
    const id = slotId(form, field);
    let slot = document.getElementById(id);
    if (!slot) {
      slot = document.createElement('p');
      slot.className = 'field-error';
      slot.id = id;
      const head = box && box.querySelector(':scope > legend, :scope > label');
      if (head) head.after(slot); else if (box) box.prepend(slot); else if (control) control.before(slot);
      else form.prepend(slot);  // a field without a control here: still said, on top
    }
    slot.innerHTML = '<span class="shape shape-octagon" aria-hidden="true">!</span> <span></span>';
    slot.lastChild.textContent = message;
    slot.dataset.field = field;
    const owner = box && box.tagName === 'FIELDSET' ? box : control;
    if (owner) describe(owner, id, true);
    return control;
  }

  function hide(form, slot) {
    for (const node of form.querySelectorAll(`[aria-describedby~="${slot.id}"]`)) describe(node, slot.id, false);
    slot.remove();
  }

  function clear(form) {
    for (const slot of form.querySelectorAll('.field-error')) hide(form, slot);
  }

  addEventListener('submit', (event) => {
    const form = event.target;
    if (!form.matches('form[data-outbox-form][data-rules]')) return;
    clear(form);
    const bad = check(form);
    if (!bad.length) return;
    // Before app.js's listener (on document): the entry never reaches the outbox.
    event.preventDefault();
    event.stopImmediatePropagation();
    const first = bad.map((b) => showAt(form, b.field, b.message))[0];
    for (const b of bad) document.getElementById(slotId(form, b.field)).dataset.check = '';
    document.getElementById(slotId(form, bad[0].field)).scrollIntoView({ block: 'center' });
    if (first) first.focus({ preventScroll: true });
  }, true);

  // A message goes once its field is right; a sent-back entry's (showAt) once its field changes.
  const recheck = (event) => {
    const { form, name = '' } = event.target;
    const shown = form && form.matches('[data-rules]') && [...form.querySelectorAll('.field-error[data-field]')];
    if (!shown || !shown.length) return;
    const still = check(form).map((b) => b.field);
    for (const slot of shown) {
      const field = slot.dataset.field;
      if ('check' in slot.dataset ? !still.includes(field) : name === field || name.startsWith(field + '.')) hide(form, slot);
    }
  };
  addEventListener('input', recheck);
  addEventListener('change', recheck);

  // These messages stay in sight, unlike the browser's bubbles (min= on the birth year).
  for (const form of document.querySelectorAll('form[data-rules]')) form.noValidate = true;

  self.LouzuChecks = { check, showAt, clear };
})();
