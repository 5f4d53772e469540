// Keeps a case's progress bar current while it waits or travels: polls
// estado.json every 3 s and stops once the case has arrived. The page shows
// the same status without this script; it only saves a reload.
(function () {
  var box = document.getElementById('case-status');
  if (!box || box.getAttribute('data-live') !== '1') return;
  var bar = box.querySelector('progress');
  var text = box.querySelector('.status-text');
  function poll() {
    fetch(box.getAttribute('data-url'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        bar.value = s.percent;
        bar.textContent = s.percent + ' %';
        text.textContent = s.label;
        if (s.state === 'waiting' || s.state === 'sending') setTimeout(poll, 3000);
      }, function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();
