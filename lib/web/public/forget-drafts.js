/*
 * On the page "Sesión cerrada": what this browser kept of unsent forms (the
 * nurse's case drafts, the specialist's answers) is patient data, and the
 * next person at a shared laptop or phone must not find it. A session that
 * merely expired keeps them: they are what comes back after signing in again.
 */
(function () {
  'use strict';
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k && k.indexOf('chasqui.') === 0) localStorage.removeItem(k);
    }
  } catch (e) { /* storage disabled: nothing was kept */ }
})();
