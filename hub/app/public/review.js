// Mounts the ECG viewer on every ECG of the case page (runs after ecg-viewer.js: both are deferred, in order).
'use strict';
document.querySelectorAll('.ecg-mount').forEach(function (el) { ChasquiEcg.mount(el, el.dataset.src, { words: JSON.parse(el.dataset.words || '{}') }); });
