/**
 * "Usar en signos vitales" on a draft, server side (no JavaScript), against a
 * real bridge reading an emulated oximeter and cuff on ptys: fresh readings
 * fill SpO2, pulse and blood pressure and are saved with what was typed;
 * ten minutes later they are refused, in the nurse's language, and what she
 * typed is kept. The devices page names the devices in Spanish, no paths.
 */
import t from 'tap';
import { BEDSIDE_MAX_AGE_MS } from '../../../node/devices/bedside-readings.js';
import { LAST_PRESSURE, startBedside } from '../../support/bedside.js';
import { form, nurseApp, register } from './nurse-app.js';

t.test('bedside readings reach the devices page and, with one tap, the draft\'s vitals; stale ones are refused', async (t) => {
  // The bridge's clock runs in real time from the post's injected one, so readings are stamped on the post's timeline.
  // nurseApp's clock starts at 2026-11-23T10:00Z.
  const real0 = Date.now();
  const bridgeClock = { now: () => Date.parse('2026-11-23T10:00:00Z') + (Date.now() - real0) };
  const bedside = await startBedside(t, { clock: bridgeClock, lastPressureAgoMs: 60_000, ecg: true });
  const n = await nurseApp(t, { bridgeUrl: bedside.url });
  const { app, drafts, audit } = n;
  const patient = await register(app);
  const created = await app.inject(form('POST', `/pacientes/${patient}/casos`, {}));
  const id = /\/casos\/([0-9a-f-]{36})/.exec(String(created.headers.location))![1]!;

  const devices = await app.inject({ method: 'GET', url: '/dispositivos' });
  t.equal(devices.statusCode, 200);
  t.match(devices.body, /Oxímetro de pulso Contec CMS50/);
  t.match(devices.body, /Tensiómetro Beurer BM58/);
  t.match(devices.body, new RegExp(`Presión ${LAST_PRESSURE.systolicMmHg}/${LAST_PRESSURE.diastolicMmHg} mmHg`));
  t.match(devices.body, /SpO2 9[678] %/);
  t.notMatch(devices.body, /\/tmp\/|chasqui-pty|protocol V7\.0|USB-serial cable/, 'no device path or English protocol label');

  const page = await app.inject({ method: 'GET', url: `/casos/${id}` });
  t.match(page.body, /formaction="\/casos\/[0-9a-f-]{36}\/signos-del-equipo">Usar en signos vitales/);
  t.match(page.body, /data-reading="pressure"[\s\S]*hace \d min|data-reading="pressure"[\s\S]*ahora/, 'the cuff reading shows its age');

  await t.test('one tap fills SpO2, pulse, systolic and diastolic and saves them with what was typed', async (t) => {
    const res = await app.inject(form('POST', `/casos/${id}/signos-del-equipo`, { reason: 'Mareo desde ayer', priority: 'urgent', temperature: '36,8', systolic: '' }));
    t.equal(res.statusCode, 303, res.body.slice(0, 400));
    t.equal(res.headers.location, `/casos/${id}?ok=deviceVitals#signos`);
    const d = drafts.get(id)!;
    t.equal(d.reason, 'Mareo desde ayer');
    t.equal(d.priority, 'urgent');
    t.match(d.vitals, { systolic: String(LAST_PRESSURE.systolicMmHg), diastolic: String(LAST_PRESSURE.diastolicMmHg), temperature: '36,8' });
    t.ok(Number(d.vitals.spo2) >= 96 && Number(d.vitals.spo2) <= 98, `SpO2 ${d.vitals.spo2} from the oximeter`);
    t.ok(Number(d.vitals.pulse) >= 66 && Number(d.vitals.pulse) <= 78, `pulse ${d.vitals.pulse} from the oximeter, not the cuff's ${LAST_PRESSURE.pulseBpm}`);
    t.match(audit.at(-1), { action: 'case.update', target: id, detail: { fromDevices: ['systolic', 'diastolic', 'pulse', 'spo2'] } });
    const after = await app.inject({ method: 'GET', url: res.headers.location as string });
    t.match(after.body, /Lecturas de los equipos copiadas/);
    t.match(after.body, new RegExp(`id="f-systolic" name="systolic" type="text" value="${LAST_PRESSURE.systolicMmHg}"`));
  });

  await t.test('a capture from an ECG board that went silent is explained in the nurse\'s language, with no path', async (t) => {
    const capture = await app.inject({ method: 'GET', url: `/casos/${id}/ecg` });
    t.match(capture.body, /<option value="ecg">Electrocardiógrafo OpenBCI Cyton \(8 derivaciones\) \(conectado\)<\/option>/);
    t.match(capture.body, /data-countdown="Grabando… no mueva al paciente. Faltan \{seconds\} s."/);
    await bedside.ptys.get('ecg')!.unplug();
    const res = await app.inject(form('POST', `/casos/${id}/ecg/captura`, { device: 'ecg', seconds: '10' }));
    t.equal(res.statusCode, 422);
    t.match(res.body, /role="alert">(El equipo de ECG no envía datos|El equipo de ECG se desconectó)/);
    t.notMatch(res.body, /\/tmp\/|no ECG samples|went away|devices\.error\./, 'no raw English, no path, no raw key');
  });

  await t.test('ten minutes later the readings are too old: refused with their age, what was typed kept', async (t) => {
    n.clock.advance(BEDSIDE_MAX_AGE_MS + 5 * 60_000);
    const res = await app.inject(form('POST', `/casos/${id}/signos-del-equipo`, { reason: 'Mareo y cefalea', systolic: '130', diastolic: '80', spo2: '95' }));
    t.equal(res.statusCode, 422);
    t.match(res.body, /La última presión es de hace 1\d min: es antigua y no se usó/);
    t.match(res.body, /La última lectura del oxímetro es de hace 1\d min/);
    t.match(drafts.get(id), { reason: 'Mareo y cefalea', vitals: { systolic: '130', diastolic: '80', spo2: '95' } });
    const en = await app.inject({ ...form('POST', `/casos/${id}/signos-del-equipo`, { reason: 'Mareo y cefalea' }), headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' } });
    t.match(en.body, /The last blood pressure is 1\d min old: too old, not used/);
    t.match(en.body, /too old, will not be used/, 'the panel marks them old too');
  });
});
