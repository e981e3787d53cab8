/* Sign-in cards: print the sheet, tick every leader at once, and send a card's form once
   (a second tap would find the card already used and hide the first tap's success). */
'use strict';
(() => {
  document.addEventListener('click', (event) => {
    if (event.target.closest('[data-print]')) window.print();
  });

  document.addEventListener('change', (event) => {
    const all = event.target.closest('[data-check-all]');
    if (!all) return;
    const form = all.closest('form');
    for (const box of form.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`)) {
      box.checked = all.checked;
    }
  });

  document.addEventListener('submit', (event) => {
    const form = event.target.closest('form[data-submit-once]');
    if (!form) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = '1';
  });
})();
