/**
 * The ECG viewer in real headless Chromium. The page, script, stylesheet and
 * view JSON are served by page.route (no socket), the way the hub would serve
 * them; pixels are read back from the canvas. Geometry is in millimetres:
 * margins 2 mm, calibration zone 0.2 s × speed + 4 mm, 10 s × speed of trace,
 * an 8 mm header band, rows of max(30, 3 × gain) mm.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { wfdbToRecording } from '../../../firmware-bridge/ecg/ecg-files.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { ECG_MEDIA_TYPE, ecgView, type EcgView } from '../../../hub/ecg/ecg-view.js';
import { encodeEcg } from '../../../protocol/ecg-codec.js';
import { chromiumSkip, launchBrowser, screenshot } from '../../support/browser.js';
import { REPO_ROOT, SHARED_DATA } from '../../support/paths.js';

const PUBLIC = join(REPO_ROOT, 'hub/app/public');
const PX_PER_MM = 96 / 25.4;
const ORIGIN = 'http://hub.test';

async function views(): Promise<{ ludb: EcgView; eight: EcgView; mit: EcgView }> {
  const l = await readWfdbRecord(join(SHARED_DATA, 'ecg/ludb/1.hea'));
  const ludb = {
    samplingFrequency: 500, source: 'LUDB 1',
    leads: l.header.signals.map((s, i) => ({ name: s.description, unitsPerMv: 1000, baseline: 0, samples: Int32Array.from(l.signals[i] as Int16Array) })),
  };
  const m = await readWfdbRecord(join(SHARED_DATA, 'ecg/mitdb/100s.hea'));
  const eight = { ...ludb, leads: ludb.leads.filter((l) => !['iii', 'avr', 'avl', 'avf'].includes(l.name)) };
  return {
    ludb: ecgView(encodeEcg(ludb), ECG_MEDIA_TYPE),
    eight: ecgView(encodeEcg(eight), ECG_MEDIA_TYPE),
    mit: ecgView(encodeEcg(wfdbToRecording(m.header, m.signals, '100s')), ECG_MEDIA_TYPE, { seconds: 10 }),
  };
}

// In-page helpers: count pixels of a kind in a rectangle given in millimetres.
const HELPERS = `
window.__px = function (x0, y0, x1, y1, kind) {
  var c = document.querySelector('#ecg canvas');
  var s = c.width / parseFloat(c.style.width) * ${PX_PER_MM};
  var X0 = Math.round(x0 * s), Y0 = Math.round(y0 * s);
  var w = Math.max(1, Math.round(x1 * s) - X0), h = Math.max(1, Math.round(y1 * s) - Y0);
  var d = c.getContext('2d').getImageData(X0, Y0, w, h).data;
  var n = 0, top = Infinity;
  for (var i = 0; i < d.length; i += 4) {
    var r = d[i], g = d[i + 1], b = d[i + 2];
    var hit = kind === 'dark' ? r < 100 && g < 100 && b < 100 : r > 190 && r - g > 30 && r - b > 30;
    if (hit) { n++; top = Math.min(top, Math.floor(i / 4 / w)); }
  }
  return { n: n, topMm: (Y0 + top) / s };
};`;

async function open(page: Page, data: Record<string, EcgView>): Promise<void> {
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="es"><head><meta charset="utf-8"><link rel="stylesheet" href="/ecg-viewer.css"></head><body><div id="ecg"></div><script src="/ecg-viewer.js"></script></body></html>' });
    if (path.endsWith('.js')) return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(PUBLIC, 'ecg-viewer.js')) });
    if (path.endsWith('.css')) return route.fulfill({ contentType: 'text/css', body: readFileSync(join(PUBLIC, 'ecg-viewer.css')) });
    const name = path.slice(1, -'.json'.length);
    return data[name] ? route.fulfill({ json: data[name] }) : route.fulfill({ status: 404 });
  });
  await page.goto(`${ORIGIN}/`);
  await page.addScriptTag({ content: HELPERS });
}

const mount = (page: Page, url: string) =>
  page.evaluate(`ChasquiEcg.mount(document.getElementById('ecg'), '${url}').then(function (m) {
    return { layout: document.getElementById('ecg').getAttribute('data-layout'), w: m.canvas.width, h: m.canvas.height, cssW: m.canvas.style.width, cssH: m.canvas.style.height };
  })`) as Promise<{ layout: string; w: number; h: number; cssW: string; cssH: string }>;

const px = (page: Page, x0: number, y0: number, x1: number, y1: number, kind: 'dark' | 'red') =>
  page.evaluate(`window.__px(${x0}, ${y0}, ${x1}, ${y1}, '${kind}')`) as Promise<{ n: number; topMm: number }>;

const cssSize = (mm: number) => `${Math.ceil(mm * PX_PER_MM)}px`;

t.test('ECG viewer in Chromium', { skip: chromiumSkip() }, async (t) => {
  const data = await views();
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  t.test('LUDB 12-lead: 3×4 grid + rhythm strip on millimetre paper, at devicePixelRatio 2', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 }, deviceScaleFactor: 2, locale: 'es-PE' });
    t.teardown(() => context.close());
    const page = await context.newPage();
    await open(page, data);
    const m = await mount(page, '/ludb.json');
    // 25 mm/s: 2 + 5 + 4 + 250 + 2 = 263 mm wide; 10 mm/mV: 8 + 4 × 30 + 3 = 131 mm tall.
    t.same(m, { layout: '3x4+rhythm', cssW: cssSize(263), cssH: cssSize(131), w: 2 * Math.ceil(263 * PX_PER_MM), h: 2 * Math.ceil(131 * PX_PER_MM) });

    // Grid, between the horizontal lines at 0 and 1 mm: a vertical major line at
    // 100 mm, and pale paper halfway between the minor lines at 102 and 103 mm.
    t.ok((await px(page, 99.9, 0.3, 100.1, 0.7, 'red')).n > 0, 'major line at 100 mm');
    t.equal((await px(page, 102.3, 0.3, 102.7, 0.7, 'red')).n, 0, 'no line at 102.5 mm');
    t.ok((await px(page, 102.3, 59.9, 102.7, 60.1, 'red')).n > 0, 'horizontal line at 60 mm');
    t.ok((await px(page, 0, 0, 263, 131, 'red')).n > 50000, 'the grid covers the page');

    const cells = [['I', 'aVR', 'V1', 'V4'], ['II', 'aVL', 'V2', 'V5'], ['III', 'aVF', 'V3', 'V6']];
    for (const [r, names] of cells.entries()) {
      for (const [c, name] of names.entries()) {
        const x0 = 11 + 62.5 * c;
        const { n } = await px(page, x0 + 1, 8 + 30 * r + 5, x0 + 61.5, 8 + 30 * (r + 1), 'dark');
        t.ok(n > 200, `${name}: trace drawn in its cell (${n} dark pixels)`);
      }
    }
    t.ok((await px(page, 12, 98 + 5, 261, 128, 'dark')).n > 800, 'rhythm strip drawn');
    for (let r = 0; r < 4; r++) {
      const base = 8 + 30 * r + 15;
      t.ok((await px(page, 3.5, base - 10.4, 7.5, base - 9.6, 'dark')).n > 0, `row ${r + 1}: calibration pulse top at 1 mV = 10 mm`);
      t.equal((await px(page, 3.5, base - 8, 7.5, base - 2, 'dark')).n, 0, `row ${r + 1}: the pulse is hollow`);
    }
    await screenshot(page, 'hub-ecg-12lead');

    // Lead II's R wave rises ~1.06 mV above its median: 10.6 mm at 10 mm/mV, twice that at 20.
    const rise = async (rowTop: number, rowH: number) => 8 + rowTop + rowH / 2 - (await px(page, 22, 8 + rowTop + 0.5, 261, 8 + rowTop + rowH / 2, 'dark')).topMm;
    const before = await rise(90, 30);
    await page.selectOption('select[name=gain]', '20');
    t.equal(await page.getAttribute('#ecg', 'data-gain'), '20');
    t.equal(await page.$eval('#ecg canvas', (c) => (c as unknown as { style: { height: string } }).style.height), cssSize(8 + 4 * 60 + 3), 'rows grow to 60 mm');
    const after = await rise(180, 60);
    t.ok(before > 9.5 && before < 11.5, `R of II at 10 mm/mV rises ${before.toFixed(1)} mm`);
    t.ok(Math.abs(after / before - 2) < 0.1, `at 20 mm/mV it rises ${after.toFixed(1)} mm`);
    t.ok((await px(page, 3.5, 8 + 30 - 20.4, 7.5, 8 + 30 - 19.6, 'dark')).n > 0, 'calibration pulse is 20 mm tall');
  });

  t.test('an 8-lead record: the derived limb leads are drawn and named as derived', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 600 }, deviceScaleFactor: 1 });
    t.teardown(() => context.close());
    const page = await context.newPage();
    await open(page, data);
    t.equal((await mount(page, '/eight.json')).layout, '3x4+rhythm');
    const label = await page.getAttribute('#ecg canvas', 'aria-label');
    t.equal(label, 'ECG: I, II, III (derivada), aVR (derivada), aVL (derivada), aVF (derivada), V1, V2, V3, V4, V5, V6');
    t.ok((await px(page, 12, 68 + 5, 72.5, 98, 'dark')).n > 100, 'III drawn in its cell');
  });

  t.test('MIT-BIH 100s, 10 s: two rhythm strips (MLII, V5); 50 mm/s doubles the width', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 500 }, deviceScaleFactor: 1, locale: 'es-PE' });
    t.teardown(() => context.close());
    const page = await context.newPage();
    await open(page, data);
    const m = await mount(page, '/mit.json');
    t.same(m, { layout: 'rhythm', cssW: cssSize(263), cssH: cssSize(8 + 2 * 30 + 3), w: Math.ceil(263 * PX_PER_MM), h: Math.ceil(71 * PX_PER_MM) });
    for (const r of [0, 1]) {
      // From 15 mm (past the calibration pulse and the label) to the end of the strip.
      t.ok((await px(page, 15, 8 + 30 * r + 5, 261, 8 + 30 * (r + 1), 'dark')).n > 500, `strip ${r + 1} drawn`);
    }
    await screenshot(page, 'hub-ecg-rhythm');
    await page.selectOption('select[name=speed]', '50');
    t.equal(await page.$eval('#ecg canvas', (c) => (c as unknown as { style: { width: string } }).style.width), cssSize(2 + 10 + 4 + 500 + 2));

    // Calibration: at 50 mm/s the 10 s strip should be 500 mm; a ruler on this
    // monitor reads 400 mm, so a millimetre needs 500/400 as many pixels, kept for next time.
    await page.fill('input[name=measured]', '400');
    await page.locator('input[name=measured]').dispatchEvent('change');
    const calibrated = PX_PER_MM * (500 / 400);
    t.equal(await page.$eval('#ecg canvas', (c) => (c as unknown as { style: { width: string } }).style.width), `${Math.ceil(518 * calibrated)}px`);
    t.equal(Number(await page.evaluate(`localStorage.getItem('chasqui.ecg.pxPerMm')`)), calibrated);
    await page.reload();
    await page.addScriptTag({ content: HELPERS });
    t.equal((await mount(page, '/mit.json')).cssW, `${Math.ceil(263 * calibrated)}px`, 'the calibration outlives a reload');

    t.equal((await mount(page, '/missing.json').catch((e: Error) => e.message)).toString().includes('404'), true, 'a failed fetch is reported');
  });
});
