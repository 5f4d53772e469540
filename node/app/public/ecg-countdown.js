// The ECG capture's POST lasts as long as the recording (10 to 60 s) plus the
// quality check. Without this the page looks frozen and a second tap starts
// a second capture; with it the button is disabled and a countdown shows.
// Without JavaScript the form still records (the page simply waits).
(function () {
  var form = document.querySelector('form[data-countdown]');
  if (!form) return;
  var button = form.querySelector('button');
  var out = form.querySelector('.countdown');
  var timer;
  form.addEventListener('submit', function (ev) {
    if (button.disabled) { ev.preventDefault(); return; }
    var seconds = Number(form.elements.seconds.value) || 10;
    var end = Date.now() + seconds * 1000;
    function tick() {
      var left = Math.ceil((end - Date.now()) / 1000);
      out.textContent = left > 0 ? form.getAttribute('data-countdown').replace('{seconds}', left) : form.getAttribute('data-checking');
      if (left > 0) timer = setTimeout(tick, 250);
    }
    // Disabled after the submit event has begun, so the form is still sent; the selects stay enabled, or their values would not be.
    button.disabled = true;
    button.setAttribute('aria-disabled', 'true');
    out.hidden = false;
    tick();
  });
  // Back from the result page (the browser's page cache): the form is usable again.
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    clearTimeout(timer);
    button.disabled = false;
    button.removeAttribute('aria-disabled');
    out.hidden = true;
  });
})();
