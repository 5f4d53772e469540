/*
 * Autosave for a case draft (node/app/pages/case-views.ts renders the form).
 * As the nurse types: a copy goes to this phone's localStorage at once, and
 * a second later the form is posted to the post (JSON answer, page stays).
 * The copy is dropped when the post has saved it. If the post could not
 * (session ended, post off, Wi-Fi gone) the copy stays, and when this draft
 * is opened again at the same version the post had when she typed, the copy
 * is newer: it is put back in the fields and saved. The page works without
 * this script: every button of the page submits the typed fields.
 * No library, no CDN: the post has no Internet.
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-draft]');
  if (!form || !window.fetch) return;
  var KEY = 'chasqui.draft.' + form.dataset.draft;
  // A copy older than a working day is a leftover, and patient data should not linger on a phone.
  var MAX_AGE_MS = 12 * 3600 * 1000;
  var status = document.getElementById('autosave-status');
  var version = form.dataset.version;
  var timer = null;
  var inFlight = false;
  var again = false;

  function say(text) {
    if (status) status.textContent = text || '';
  }

  function load(key) {
    try {
      return JSON.parse(localStorage.getItem(key) || 'null');
    } catch (e) {
      return null;
    }
  }

  function store(entry) {
    try {
      if (entry) localStorage.setItem(KEY, JSON.stringify(entry));
      else localStorage.removeItem(KEY);
    } catch (e) { /* storage full or disabled: the post's copy is all there is */ }
  }

  function purgeOld() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var k = localStorage.key(i);
        if (!k || k.indexOf('chasqui.draft.') !== 0) continue;
        var e = load(k);
        if (!e || !(Date.now() - e.at < MAX_AGE_MS)) localStorage.removeItem(k);
      }
    } catch (e) { /* nothing to purge */ }
  }

  /** The typed fields only: files are not the autosave's, nor is the form's key. */
  function fields() {
    var out = [];
    new FormData(form).forEach(function (v, k) {
      if (typeof v === 'string' && k !== 'clave' && k !== 'recordingId') out.push([k, v]);
    });
    return out;
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function keepCopy() {
    store({ base: version, at: Date.now(), fields: fields() });
  }

  function save() {
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    var sent = fields();
    inFlight = true;
    fetch(form.dataset.autosave, {
      method: 'POST', credentials: 'same-origin', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      // The version this page was built on: the post refuses a save that comes after a newer one (a button's).
      body: new URLSearchParams(sent.concat([['base', version]])).toString(),
    }).then(function (res) {
      if (!res.ok) throw new Error('not saved: ' + res.status);
      return res.json();
    }).then(function (answer) {
      version = answer.version;
      form.dataset.version = version;
      // Typed on while it was on its way: the copy stays, now based on the version just saved.
      if (same(sent, fields())) store(null);
      else keepCopy();
      say(form.dataset.msgSaved);
    }).catch(function () {
      say(form.dataset.msgLocal);
    }).then(function () {
      inFlight = false;
      if (again) {
        again = false;
        save();
      }
    });
  }

  function typed() {
    keepCopy();
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1000);
  }

  function restore() {
    var e = load(KEY);
    if (!e) return;
    // Another save reached the post since (a button, another tab): the post's copy is the newer one.
    if (e.base !== version || !(Date.now() - e.at < MAX_AGE_MS)) {
      store(null);
      return;
    }
    var changed = false;
    e.fields.forEach(function (kv) {
      var el = form.elements.namedItem(kv[0]);
      if (el && el.type !== 'file' && el.value !== kv[1]) {
        el.value = kv[1];
        changed = true;
      }
    });
    if (!changed) {
      store(null);
      return;
    }
    say(form.dataset.msgRestored);
    save();
  }

  purgeOld();
  restore();
  form.addEventListener('input', typed);
  form.addEventListener('change', typed);
  // A button posts the typed fields itself: a save still to come would only race it (and could undo what it adds).
  form.addEventListener('submit', function () {
    if (timer) clearTimeout(timer);
    timer = null;
  });
  // Leaving with a save still to come (a link, the language switch): send it on the way out.
  window.addEventListener('pagehide', function () {
    if (!timer || !navigator.sendBeacon) return;
    clearTimeout(timer);
    timer = null;
    navigator.sendBeacon(form.dataset.autosave, new Blob([new URLSearchParams(fields().concat([['base', version]])).toString()], { type: 'application/x-www-form-urlencoded' }));
  });
})();
