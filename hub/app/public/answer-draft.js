// Keeps a copy of the counter-reference form in this browser while it is typed, keyed by case, so a
// reload, a crash or a session that ended mid-answer loses nothing: after signing back in the
// specialist comes back to the case and the draft is put back. Only into a pristine form (the server
// re-renders a refused form with what was sent); dropped once the server says it was sent (?enviado=).
// Clinical text must not linger on a shared computer (Law 29733): the key names the specialist, a draft
// older than a working day is dropped unread, and signing out clears every draft in this browser.
'use strict';
(function () {
  var form = document.querySelector('form[data-draft]');
  if (!form) return;
  var store;
  try { store = window.localStorage; store.getItem('chasqui'); } catch (e) { return; }
  var PREFIX = 'chasqui.hub.draft.';
  var MAX_AGE_MS = 12 * 3600 * 1000;
  var key = PREFIX + form.dataset.draft;
  // Signing out clears every draft this browser kept (lib/web/public/forget-drafts.js, on the signed-out page).
  // The hub names the form key it just sent (?enviado=): only the draft typed under that key is done with,
  // so a later reload of this page never wipes a new draft typed here.
  var sent = new URLSearchParams(location.search).get('enviado');
  var stored = read();
  if (sent && stored && stored.formKey === sent) { store.removeItem(key); stored = null; }
  if (stored && form.hasAttribute('data-pristine')) restore(stored.fields);
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  form.addEventListener('submit', save);

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name && el.type !== 'hidden' && el.type !== 'submit'; });
  }
  function save() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === 'radio') { if (el.checked) data[el.name] = el.value; }
      else if (el.type === 'checkbox') data[el.name] = el.checked;
      else data[el.name] = el.value;
    });
    try { store.setItem(key, JSON.stringify({ at: Date.now(), formKey: form.elements.formKey.value, fields: data })); } catch (e) { /* full or refused: the server still has the form */ }
  }
  function read() {
    var d;
    try { d = JSON.parse(store.getItem(key) || 'null'); } catch (e) { d = null; }
    if (d && d.fields && Date.now() - d.at < MAX_AGE_MS) return d;
    store.removeItem(key);
    return null;
  }
  function restore(data) {
    var any = false;
    fields().forEach(function (el) {
      if (!(el.name in data)) return;
      var v = data[el.name];
      if (el.type === 'radio') el.checked = el.value === v;
      else if (el.type === 'checkbox') el.checked = v === true;
      else el.value = v;
      if (v && v !== 'answer' && v !== 'routine') any = true;
    });
    if (!any) return;
    var note = document.createElement('p');
    note.className = 'flash ok draft-restored';
    note.setAttribute('role', 'status');
    note.textContent = form.dataset.restored;
    form.insertBefore(note, form.firstChild);
  }
})();
