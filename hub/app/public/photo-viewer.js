// The photo page's viewer: fits the photo to the screen, then zooms with the buttons, the mouse wheel
// or two fingers, and pans by dragging (or scrolling). The image keeps its full resolution; only its
// drawn size changes, inside a scrolling stage. Without this script the photo shows at its own size.
'use strict';
(function () {
  var stage = document.querySelector('.photo-stage');
  var img = stage && stage.querySelector('img');
  var tools = document.querySelector('.photo-tools');
  if (!img || !tools) return;
  var out = tools.querySelector('.photo-scale');
  var scale = 1;
  var MAX = 8;

  function fitScale() {
    return Math.min(1, stage.clientWidth / img.naturalWidth, stage.clientHeight / img.naturalHeight);
  }
  // Zooms about a point of the stage (its centre by default), so what is under the finger stays there.
  function setScale(next, cx, cy) {
    var min = Math.min(fitScale(), 1);
    next = Math.max(min, Math.min(MAX, next));
    if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
    var px = (stage.scrollLeft + cx) / scale;
    var py = (stage.scrollTop + cy) / scale;
    scale = next;
    img.style.width = Math.round(img.naturalWidth * scale) + 'px';
    img.style.height = Math.round(img.naturalHeight * scale) + 'px';
    stage.scrollLeft = px * scale - cx;
    stage.scrollTop = py * scale - cy;
    out.textContent = Math.round(scale * 100) + ' %';
    stage.dataset.scale = String(scale);
  }
  function start() {
    stage.classList.add('zoomable');
    tools.hidden = false;
    setScale(fitScale());
  }
  if (img.complete && img.naturalWidth) start(); else img.addEventListener('load', start);

  tools.addEventListener('click', function (e) {
    var z = e.target.closest('[data-zoom]');
    if (!z) return;
    var how = z.dataset.zoom;
    setScale(how === 'in' ? scale * 1.5 : how === 'out' ? scale / 1.5 : how === 'fit' ? fitScale() : 1);
  });
  stage.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = stage.getBoundingClientRect();
    setScale(scale * (e.deltaY < 0 ? 1.25 : 0.8), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  // Pointers: one drags the photo, two pinch it.
  var pointers = new Map();
  var pinch = null;
  stage.addEventListener('pointerdown', function (e) {
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    stage.setPointerCapture(e.pointerId);
    if (pointers.size === 2) pinch = { d: distance(), s: scale };
  });
  stage.addEventListener('pointermove', function (e) {
    var p = pointers.get(e.pointerId);
    if (!p) return;
    if (pointers.size === 1) {
      stage.scrollLeft -= e.clientX - p.x;
      stage.scrollTop -= e.clientY - p.y;
    }
    p.x = e.clientX; p.y = e.clientY;
    if (pinch && pointers.size === 2) {
      var r = stage.getBoundingClientRect();
      var c = centre();
      setScale(pinch.s * distance() / pinch.d, c.x - r.left, c.y - r.top);
    }
  });
  function end(e) { pointers.delete(e.pointerId); if (pointers.size < 2) pinch = null; }
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', end);
  stage.addEventListener('dblclick', function (e) {
    var r = stage.getBoundingClientRect();
    setScale(scale < 1 ? 1 : fitScale(), e.clientX - r.left, e.clientY - r.top);
  });
  function pts() { return Array.from(pointers.values()); }
  function distance() { var p = pts(); return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) || 1; }
  function centre() { var p = pts(); return { x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2 }; }
})();
