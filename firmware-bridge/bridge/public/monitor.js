// The bridge's live monitor: one panel per configured port, its numerics and
// a scrolling trace of each waveform. Plain script, no dependencies, so it
// loads over a slow post Wi-Fi or an SSH tunnel. Strings sit in T so a
// translator can add a language without touching the logic.
'use strict';
const T = {
  open: 'conectado', connecting: 'conectando', absent: 'no conectado', failed: 'error', stopped: 'detenido',
  spo2: 'SpO₂ %', pulse: 'pulso /min', pi: 'índice de perfusión %', hr: 'frec. cardiaca /min', resp: 'frec. resp. /min',
  temp: 'temperatura °C', bp: 'presión mmHg', leadOff: 'Electrodo desconectado', fingerOut: 'Dedo fuera del sensor',
  frames: 'tramas', dropped: 'bytes descartados', noData: 'sin datos', measuredAt: 'medido',
};
const SECONDS_SHOWN = 5;
const ports = document.getElementById('ports');

// ?port=ecg shows one port only (the post's ECG capture page embeds it that way).
const only = new URLSearchParams(location.search).get('port');
// ?embedded=1: inside the nurse app, which names the device in her language itself; no header, no
// device path, protocol label or decoder counters (those are for the field engineer).
if (new URLSearchParams(location.search).has('embedded')) document.documentElement.classList.add('embedded');

async function main() {
  const res = await fetch('api/ports');
  const list = (await res.json()).ports.filter((p) => !only || p.id === only);
  ports.textContent = '';
  if (list.length === 0) ports.textContent = 'No hay puertos configurados.';
  for (const p of list) ports.appendChild(panel(p));
}

function panel(p) {
  const el = document.createElement('section');
  el.innerHTML = `<h2>${esc(p.id)} <span class="state"></span><span class="meta">${esc(p.label)} · ${esc(p.path)}</span></h2>
    <div class="nums"></div><div class="warn"></div><div class="traces"></div><div class="meta stats"></div>`;
  const view = { el, traces: new Map(), nums: {} };
  setStatus(view, p);
  for (const r of p.latest) show(view, r);
  const src = new EventSource(`api/ports/${encodeURIComponent(p.id)}/stream`);
  src.addEventListener('status', (e) => setStatus(view, JSON.parse(e.data)));
  src.onmessage = (e) => { for (const r of JSON.parse(e.data)) show(view, r); };
  requestAnimationFrame(function draw() { for (const t of view.traces.values()) paint(t); requestAnimationFrame(draw); });
  return el;
}

function setStatus(view, s) {
  const st = view.el.querySelector('.state');
  st.textContent = T[s.state] || s.state;
  st.className = `state ${s.state}`;
  view.el.querySelector('.stats').textContent = `${s.stats.frames} ${T.frames} · ${s.stats.droppedBytes} ${T.dropped}${s.reason ? ' · ' + s.reason : ''}`;
}

function show(view, r) {
  const warn = view.el.querySelector('.warn');
  switch (r.kind) {
    case 'ecg': {
      const n = r.leads.length;
      r.leads.forEach((lead, l) => {
        const values = [];
        for (let i = l; i < r.samples.length; i += n) values.push((r.samples[i] - r.baseline) / r.unitsPerMv);
        push(view, `ECG ${lead}`, r.samplingFrequency, values, 'mV');
      });
      warn.textContent = r.leadOff.length ? `${T.leadOff}: ${r.leadOff.join(', ')}` : '';
      break;
    }
    case 'pleth': case 'respiration':
      push(view, r.kind === 'pleth' ? 'Pleth' : 'Resp', r.samplingFrequency, r.values, '');
      break;
    case 'oximetry':
      num(view, T.spo2, r.spo2); num(view, T.pulse, r.pulseBpm);
      if (r.perfusionIndex != null) num(view, T.pi, r.perfusionIndex);
      warn.textContent = r.fingerOut ? T.fingerOut : '';
      break;
    case 'vitals':
      num(view, T.hr, r.heartRateBpm); num(view, T.resp, r.respirationRate); num(view, T.temp, r.temperatureC); num(view, T.spo2, r.spo2);
      break;
    case 'bloodPressure':
      num(view, T.bp, `${r.systolicMmHg}/${r.diastolicMmHg}`); num(view, T.pulse, r.pulseBpm);
      num(view, T.measuredAt, r.measuredAt.replace('T', ' '));
      break;
  }
}

function num(view, label, value) {
  let el = view.nums[label];
  if (!el) {
    el = view.nums[label] = document.createElement('div');
    el.className = 'num';
    el.innerHTML = `<b></b><span>${esc(label)}</span>`;
    view.el.querySelector('.nums').appendChild(el);
  }
  el.firstChild.textContent = value == null ? '—' : String(value);
}

function push(view, name, fs, values, unit) {
  let t = view.traces.get(name);
  if (!t) {
    const box = document.createElement('div');
    box.innerHTML = `<div class="meta">${esc(name)} ${unit}</div><canvas></canvas>`;
    view.el.querySelector('.traces').appendChild(box);
    t = { canvas: box.querySelector('canvas'), buf: new Float32Array(Math.round(fs * SECONDS_SHOWN)), at: 0, dirty: true };
    view.traces.set(name, t);
  }
  for (const v of values) { t.buf[t.at] = v; t.at = (t.at + 1) % t.buf.length; }
  t.dirty = true;
}

// Sweep display like a bedside monitor: new samples overwrite old ones left to right.
function paint(t) {
  if (!t.dirty) return;
  t.dirty = false;
  const c = t.canvas, w = (c.width = c.clientWidth), h = (c.height = c.clientHeight);
  const g = c.getContext('2d');
  let lo = Infinity, hi = -Infinity;
  for (const v of t.buf) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1;
  g.strokeStyle = '#b00'; g.lineWidth = 1.2; g.beginPath();
  for (let i = 0; i < t.buf.length; i++) {
    const x = (i / t.buf.length) * w, y = h - 4 - ((t.buf[i] - lo) / span) * (h - 8);
    if (i === 0 || i === t.at) g.moveTo(x, y); else g.lineTo(x, y);
  }
  g.stroke();
}

function esc(s) { return String(s).replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]); }

main().catch((e) => { ports.textContent = String(e); });
