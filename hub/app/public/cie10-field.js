// Suggestions for the ICD-10 diagnosis fields (hub/app/pages/diagnosis-field.ts): as the specialist types a
// code or words, the hub's copy of the classification is searched (GET /api/cie10, no internet needed) and a
// list offered under the field; choosing one fills the code and shows its description. The page's own
// words travel in data- attributes, so the script speaks the page's language. Without it, "Comprobar" does
// the same on the server.
'use strict';
(function () {
  var box = document.querySelector('fieldset.diagnoses');
  if (!box || !window.fetch) return;
  var api = box.dataset.api;

  function search(q) {
    return fetch(api + '?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { results: [], exact: null }; });
  }

  function describe(p, entry, typed) {
    p.textContent = '';
    if (entry) {
      var b = document.createElement('strong');
      b.textContent = entry.code;
      p.append(b, ' ' + entry.description);
      p.className = 'dx-desc';
    } else if (typed) {
      p.textContent = box.dataset.unknown.replace('{code}', typed);
      p.className = 'field-error';
    } else {
      p.className = 'dx-desc';
    }
  }

  box.querySelectorAll('input[data-cie10]').forEach(function (input) {
    var row = input.closest('.dx-row');
    var desc = row.querySelector('[id$=-desc]');
    var list = row.querySelector('.dx-suggestions');
    var timer = null;
    var asked = '';

    function choose(entry) {
      input.value = entry.code;
      input.removeAttribute('aria-invalid');
      describe(desc, entry);
      list.hidden = true;
      input.focus();
    }

    function offer(results) {
      list.textContent = '';
      // Options are list items, not buttons: the form's one <button> stays the one that sends.
      results.forEach(function (entry) {
        var li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.tabIndex = 0;
        li.dataset.code = entry.code;
        li.textContent = entry.code + ' · ' + entry.description;
        li.addEventListener('click', function () { choose(entry); });
        li.addEventListener('keydown', function (e) {
          if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(entry); }
        });
        list.append(li);
      });
      if (!results.length) {
        var none = document.createElement('li');
        none.className = 'muted';
        none.textContent = box.dataset.none;
        list.append(none);
      }
      list.hidden = false;
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; describe(desc, null); return; }
      // A short pause: one request per word typed, not per key, on a slow hub link.
      timer = setTimeout(function () {
        asked = q;
        search(q).then(function (a) {
          if (asked !== input.value.trim()) return;
          describe(desc, a.exact, null);
          offer(a.results);
        });
      }, 200);
    });

    // Leaving the field with a code the classification lacks says so at once, as the server would.
    input.addEventListener('change', function () {
      var q = input.value.trim();
      if (!q) return describe(desc, null);
      search(q).then(function (a) {
        if (q !== input.value.trim()) return;
        if (a.exact) { input.removeAttribute('aria-invalid'); describe(desc, a.exact); }
        else if (/^[A-Za-z]\d/.test(q)) { input.setAttribute('aria-invalid', 'true'); describe(desc, null, q); }
      });
    });

    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') list.hidden = true;
      if (e.key === 'ArrowDown' && !list.hidden) {
        var first = list.querySelector('[role=option]');
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener('keydown', function (e) {
      var li = document.activeElement;
      if (e.key === 'Escape') { list.hidden = true; input.focus(); }
      if (e.key === 'ArrowDown' && li && li.nextElementSibling) { e.preventDefault(); li.nextElementSibling.focus(); }
      if (e.key === 'ArrowUp' && li) { e.preventDefault(); (li.previousElementSibling || input).focus(); }
    });
  });
})();
