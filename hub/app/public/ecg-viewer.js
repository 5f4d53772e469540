// The specialists' ECG viewer: draws the JSON of hub/ecg/ecg-view.ts as an
// ECG printout on a <canvas>. No dependencies, plain ES5-style browser code.
//
// Paper conventions (AHA/ACC/HRS 2007 standardisation, part I; IEC 60601-2-25):
// 1 mm minor and 5 mm major grid, 25 mm/s and 10 mm/mV by default, a 1 mV
// 200 ms calibration pulse at the start of each row, 12 leads in a 3×4 grid
// of 2.5 s columns (I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6) and a 10 s
// rhythm strip of lead II below.
//
// Millimetres are drawn as `pxPerMm` CSS pixels. CSS says 96 px per inch
// (96/25.4 px/mm), which a real monitor only approximates; a clinician who
// wants true 25 mm/s measures the 10 s strip with a ruler and types the
// length in the "calibrar" box, and mount() rescales (kept in localStorage).
(function (root) {
  'use strict';
  var CSS_PX_PER_MM = 96 / 25.4;
  var MM = { top: 8, bottom: 3, left: 2, right: 2, calGap: 4 };
  var COLOURS = { paper: '#fff7f7', minor: '#f5c6c6', major: '#e07a7a', trace: '#111111', text: '#222222' };
  var GRID_3X4 = [['I', 'aVR', 'V1', 'V4'], ['II', 'aVL', 'V2', 'V5'], ['III', 'aVF', 'V3', 'V6']];
  var STRIP_S = 10;
  var COLUMN_S = 2.5;

  function decode(lead) {
    var bin = atob(lead.samples);
    var view = new DataView(new ArrayBuffer(bin.length));
    for (var i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
    var out = new Float32Array(bin.length / 2);
    for (var j = 0; j < out.length; j++) out[j] = view.getInt16(j * 2, true) * lead.mvPerUnit;
    return out;
  }

  function leadsOf(data) {
    if (!data._mv) {
      data._mv = {};
      data.leads.forEach(function (l) { data._mv[l.name] = { mv: decode(l), derived: l.derived }; });
    }
    return data._mv;
  }

  // Rows are whole centimetres, at least 3 mV tall, so every baseline sits on a major line.
  function rowMm(gain) { return Math.max(30, Math.ceil((3 * gain) / 10) * 10); }

  // Rows of [{ lead, fromS, seconds, xMm }] in drawing order.
  function rows(data, layout) {
    var leads = leadsOf(data);
    var duration = data.samplesPerLead / data.samplingFrequency;
    var out = [];
    if (layout === '3x4+rhythm') {
      GRID_3X4.forEach(function (names) {
        out.push(names.map(function (n, c) { return { lead: n, fromS: c * COLUMN_S, seconds: COLUMN_S, col: c }; }));
      });
      out.push([{ lead: leads[data.rhythmLead] ? data.rhythmLead : data.leads[0].name, fromS: 0, seconds: STRIP_S, col: 0 }]);
      return out;
    }
    data.leads.forEach(function (l) {
      for (var t = 0; t < duration; t += STRIP_S) out.push([{ lead: l.name, fromS: t, seconds: STRIP_S, col: 0 }]);
    });
    return out;
  }

  function geometry(data, opts) {
    var calMm = 0.2 * opts.speed;
    var traceX = MM.left + calMm + MM.calGap;
    var r = rows(data, opts.layout);
    var rowH = rowMm(opts.gain);
    return {
      rows: r, rowH: rowH, traceX: traceX, calMm: calMm,
      widthMm: traceX + STRIP_S * opts.speed + MM.right,
      heightMm: MM.top + r.length * rowH + MM.bottom,
    };
  }

  function grid(ctx, g, s) {
    ctx.fillStyle = COLOURS.paper;
    ctx.fillRect(0, 0, g.widthMm * s, g.heightMm * s);
    [[COLOURS.minor, 1], [COLOURS.major, 5]].forEach(function (kind) {
      ctx.strokeStyle = kind[0];
      ctx.lineWidth = kind[1] === 5 ? Math.max(1, s / 4) : Math.max(1, s / 8);
      ctx.beginPath();
      for (var x = 0; x <= g.widthMm; x += kind[1]) { var px = Math.round(x * s) + 0.5; ctx.moveTo(px, 0); ctx.lineTo(px, g.heightMm * s); }
      for (var y = 0; y <= g.heightMm; y += kind[1]) { var py = Math.round(y * s) + 0.5; ctx.moveTo(0, py); ctx.lineTo(g.widthMm * s, py); }
      ctx.stroke();
    });
  }

  // 1 mV for 200 ms, standing on the row's baseline (IEC 60601-2-25 calibration mark).
  function calibration(ctx, x0, base, calMm, gain, s) {
    ctx.moveTo(x0 * s, base * s);
    ctx.lineTo((x0 + 1) * s, base * s);
    ctx.lineTo((x0 + 1) * s, (base - gain) * s);
    ctx.lineTo((x0 + 1 + calMm) * s, (base - gain) * s);
    ctx.lineTo((x0 + 1 + calMm) * s, base * s);
    ctx.lineTo((x0 + 2 + calMm) * s, base * s);
  }

  // The median of a stretch of ECG is close to its isoelectric line: the trace is
  // placed by it so a recorder's DC offset does not push it off the row. Amplitudes
  // are untouched; nothing is filtered.
  function median(mv, a, b) {
    var copy = Array.prototype.slice.call(mv, a, b).sort(function (x, y) { return x - y; });
    return copy.length ? copy[copy.length >> 1] : 0;
  }

  function trace(ctx, cell, lead, data, g, base, opts, s) {
    var fs = data.samplingFrequency;
    var a = Math.round(cell.fromS * fs);
    var b = Math.min(lead.mv.length, Math.round((cell.fromS + cell.seconds) * fs));
    var mid = median(lead.mv, a, b);
    var x0 = g.traceX + (opts.layout === '3x4+rhythm' ? cell.fromS * opts.speed : 0);
    for (var i = a; i < b; i++) {
      var x = (x0 + ((i - a) / fs) * opts.speed) * s;
      var y = (base - (lead.mv[i] - mid) * opts.gain) * s;
      if (i === a) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    return x0;
  }

  function label(ctx, text, x, y, s) {
    ctx.fillStyle = COLOURS.text;
    ctx.font = 'bold ' + Math.round(3 * s) + 'px sans-serif';
    ctx.fillText(text, x * s, y * s);
  }

  function span(a, b) { return (+a.toFixed(2)) + '–' + (+b.toFixed(2)) + ' s'; }

  // The words the viewer writes: the page passes them from its catalogue (hub/app/pages/ecg-words.ts) in
  // the reader's language; these Spanish ones serve a page that passes none.
  var WORDS = {
    gain: 'Ganancia', speed: 'Velocidad', zoom: 'Zoom', calibrate: 'Calibrar: la tira de 10 s mide (mm)',
    loading: 'Cargando ECG…', loadFailed: 'No se pudo cargar el ECG ({error})',
    summary: '{leads} derivaciones · {hz} Hz · {seconds} s · filtros: ninguno', record: 'registro {seconds} s, vista {span}',
    filters: 'Filtros: ninguno', derivedNote: '* derivada de I y II', derived: 'derivada',
  };
  function say(words, key, params) {
    var msg = (words && words[key]) || WORDS[key];
    return msg.replace(/\{(\w+)\}/g, function (m, k) { return params && k in params ? String(params[k]) : m; });
  }

  function header(ctx, data, opts, s) {
    var derived = data.leads.some(function (l) { return l.derived; });
    var parts = [
      opts.speed + ' mm/s', opts.gain + ' mm/mV', data.samplingFrequency + ' Hz',
      say(opts.words, 'record', { seconds: data.durationS.toFixed(1), span: span(data.startS, data.startS + data.samplesPerLead / data.samplingFrequency) }),
      say(opts.words, 'filters'),
    ];
    if (data.source) parts.push(data.source);
    if (data.startedAt) parts.push(data.startedAt);
    if (derived) parts.push(say(opts.words, 'derivedNote'));
    ctx.fillStyle = COLOURS.text;
    ctx.font = Math.round(3 * s) + 'px sans-serif';
    ctx.fillText(parts.join('  ·  '), MM.left * s, (MM.top - 2.5) * s);
  }

  // "III*" for a derived lead; a rhythm strip also says which seconds of the recording it shows.
  function cellLabel(cell, lead, data, opts) {
    var name = cell.lead + (lead && lead.derived ? '*' : '');
    if (opts.layout === '3x4+rhythm' || !lead) return name;
    var end = Math.min(cell.fromS + cell.seconds, lead.mv.length / data.samplingFrequency);
    return name + '  ' + span(data.startS + cell.fromS, data.startS + end);
  }

  function paint(ctx, data, g, opts, s) {
    var leads = leadsOf(data);
    grid(ctx, g, s);
    header(ctx, data, opts, s);
    g.rows.forEach(function (row, r) {
      var top = MM.top + r * g.rowH;
      var base = top + g.rowH / 2;
      ctx.strokeStyle = COLOURS.trace;
      ctx.lineWidth = Math.max(1, s * 0.3);
      ctx.lineJoin = 'round';
      ctx.beginPath();
      calibration(ctx, MM.left, base, g.calMm, opts.gain, s);
      row.forEach(function (cell) {
        var lead = leads[cell.lead];
        if (!lead) return;
        var x0 = trace(ctx, cell, lead, data, g, base, opts, s);
        if (cell.col > 0) { ctx.moveTo(x0 * s, (base - 3) * s); ctx.lineTo(x0 * s, (base + 3) * s); }
      });
      ctx.stroke();
      row.forEach(function (cell) {
        var lead = leads[cell.lead];
        var x0 = g.traceX + (opts.layout === '3x4+rhythm' ? cell.fromS * opts.speed : 0);
        label(ctx, cellLabel(cell, lead, data, opts), x0 + 1, top + 4, s);
      });
    });
  }

  // draw(canvas, data, { gain: 5|10|20, speed: 25|50, layout, pxPerMm?, zoom? })
  function draw(canvas, data, options) {
    var o = options || {};
    var opts = {
      gain: o.gain || 10, speed: o.speed || 25,
      layout: o.layout || data.layout || 'rhythm',
      pxPerMm: (o.pxPerMm || CSS_PX_PER_MM) * (o.zoom || 1),
      words: o.words,
    };
    if (opts.layout === '3x4+rhythm' && !GRID_3X4.every(function (r) { return r.every(function (n) { return leadsOf(data)[n]; }); })) opts.layout = 'rhythm';
    var g = geometry(data, opts);
    var dpr = root.devicePixelRatio || 1;
    var cssW = Math.ceil(g.widthMm * opts.pxPerMm);
    var cssH = Math.ceil(g.heightMm * opts.pxPerMm);
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    var ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    paint(ctx, data, g, opts, opts.pxPerMm * dpr);
    return { widthMm: g.widthMm, heightMm: g.heightMm, layout: opts.layout, pxPerMm: opts.pxPerMm };
  }

  function select(name, text, values, current) {
    var label = document.createElement('label');
    label.textContent = text + ' ';
    var sel = document.createElement('select');
    sel.name = name;
    values.forEach(function (v) {
      var opt = document.createElement('option');
      opt.value = String(v[0]);
      opt.textContent = v[1];
      if (v[0] === current) opt.selected = true;
      sel.appendChild(opt);
    });
    label.appendChild(sel);
    return label;
  }

  function storedPxPerMm() {
    try { return Number(root.localStorage.getItem('chasqui.ecg.pxPerMm')) || CSS_PX_PER_MM; } catch (e) { return CSS_PX_PER_MM; }
  }

  function controls(state, redraw) {
    var bar = document.createElement('div');
    bar.className = 'ecg-controls';
    bar.appendChild(select('gain', say(state.words, 'gain'), [[5, '5 mm/mV'], [10, '10 mm/mV'], [20, '20 mm/mV']], state.gain));
    bar.appendChild(select('speed', say(state.words, 'speed'), [[25, '25 mm/s'], [50, '50 mm/s']], state.speed));
    bar.appendChild(select('zoom', say(state.words, 'zoom'), [[0.75, '75 %'], [1, '100 %'], [1.5, '150 %'], [2, '200 %']], state.zoom));
    var cal = document.createElement('label');
    cal.textContent = say(state.words, 'calibrate') + ' ';
    var input = document.createElement('input');
    input.type = 'number'; input.name = 'measured'; input.min = '50'; input.max = '2000'; input.step = '1';
    cal.appendChild(input);
    bar.appendChild(cal);
    bar.addEventListener('change', function (ev) {
      var t = ev.target;
      if (t.name === 'measured') {
        var measured = Number(t.value);
        // The strip should be 10 s × speed mm long; scale px/mm by what the ruler says it is.
        if (measured > 0) state.pxPerMm = state.pxPerMm * (STRIP_S * state.speed * state.zoom) / measured;
        try { root.localStorage.setItem('chasqui.ecg.pxPerMm', String(state.pxPerMm)); } catch (e) { /* private mode */ }
        t.value = '';
      } else state[t.name] = Number(t.value);
      redraw();
    });
    return bar;
  }

  // mount(container, url): fetches the view JSON and shows it with its controls.
  function mount(container, url, options) {
    var o = options || {};
    var state = { gain: o.gain || 10, speed: o.speed || 25, zoom: o.zoom || 1, pxPerMm: o.pxPerMm || storedPxPerMm(), words: o.words };
    container.classList.add('chasqui-ecg');
    var status = document.createElement('p');
    status.className = 'ecg-status';
    status.textContent = say(state.words, 'loading');
    container.appendChild(status);
    return fetch(url, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (data) {
        var scroller = document.createElement('div');
        scroller.className = 'ecg-paper';
        var canvas = document.createElement('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', 'ECG: ' + data.leads.map(function (l) { return l.name + (l.derived ? ' (' + say(state.words, 'derived') + ')' : ''); }).join(', '));
        scroller.appendChild(canvas);
        var redraw = function () {
          var info = draw(canvas, data, { gain: state.gain, speed: state.speed, pxPerMm: state.pxPerMm, zoom: state.zoom, words: state.words });
          container.setAttribute('data-layout', info.layout);
          container.setAttribute('data-gain', String(state.gain));
          container.setAttribute('data-speed', String(state.speed));
        };
        status.textContent = say(state.words, 'summary', { leads: data.leads.length, hz: data.samplingFrequency, seconds: data.durationS.toFixed(1) }) + (data.source ? ' · ' + data.source : '');
        container.appendChild(controls(state, redraw));
        container.appendChild(scroller);
        redraw();
        return { canvas: canvas, data: data, state: state, redraw: redraw };
      }, function (err) { status.textContent = say(state.words, 'loadFailed', { error: err.message }); throw err; });
  }

  root.ChasquiEcg = { draw: draw, mount: mount, CSS_PX_PER_MM: CSS_PX_PER_MM };
})(typeof window !== 'undefined' ? window : this);
