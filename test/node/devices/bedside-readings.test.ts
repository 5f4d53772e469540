/** The bedside readings a nurse copies into the vitals: which reading, how old, and when it is refused. */
import t from 'tap';
import { BEDSIDE_MAX_AGE_MS, bedsideOf, freshness, vitalsFromBedside, wallTimeToEpoch, type BridgePort } from '../../../node/devices/bedside-readings.js';

// A fixed instant: these are pure functions of the time they are given.
const NOW = Date.parse('2026-11-23T15:00:00Z'); // 10:00 in Lima (UTC−5, no daylight saving)
const MIN = 60_000;

const oximeter = (at: number, spo2: number | null = 96, pulseBpm: number | null = 81): BridgePort => ({
  id: 'oximetro', protocol: 'contec-cms50-v7', state: 'open', latest: [{ kind: 'oximetry', at, spo2, pulseBpm, perfusionIndex: null }, { kind: 'deviceInfo', at, info: {} }],
});
const cuff = (measuredAt: string, at = NOW): BridgePort => ({
  id: 'presion', protocol: 'beurer-bm58', state: 'open', latest: [{ kind: 'bloodPressure', at, systolicMmHg: 141, diastolicMmHg: 89, pulseBpm: 74, measuredAt, index: 3 }],
});

t.test('a device wall-clock time is read in the post\'s time zone', async (t) => {
  t.equal(wallTimeToEpoch('2026-11-23T10:00', 'America/Lima'), NOW);
  t.equal(wallTimeToEpoch('2026-11-23T10:00', 'UTC'), NOW - 5 * 60 * MIN);
  // Madrid changes to summer time on 2026-03-29 at 02:00: an hour earlier it is UTC+1, after it UTC+2.
  t.equal(wallTimeToEpoch('2026-03-29T01:30', 'Europe/Madrid'), Date.parse('2026-03-29T00:30:00Z'));
  t.equal(wallTimeToEpoch('2026-03-29T04:00', 'Europe/Madrid'), Date.parse('2026-03-29T02:00:00Z'));
  t.equal(wallTimeToEpoch('23/11/2026 10:00', 'America/Lima'), undefined);
});

t.test('the cuff\'s age is when the arm was measured, not when its memory was read out', async (t) => {
  const b = bedsideOf([cuff('2026-11-23T09:40', NOW)], 'America/Lima');
  t.equal(b.pressure?.at, NOW - 20 * MIN);
  t.equal(freshness(b.pressure!.at, NOW), 'stale');
  const { vitals, refused } = vitalsFromBedside(b, NOW);
  t.same(vitals, {});
  t.match(refused, [{ device: 'pressure', why: 'stale', minutes: 20 }, { device: 'oximeter', why: 'none' }]);
});

t.test('fresh readings fill SpO2, pulse, systolic and diastolic; the live oximeter\'s pulse wins over the cuff\'s', async (t) => {
  const b = bedsideOf([cuff('2026-11-23T09:58'), oximeter(NOW - 3000)], 'America/Lima');
  const { vitals, refused } = vitalsFromBedside(b, NOW);
  t.same(vitals, { systolic: '141', diastolic: '89', pulse: '81', spo2: '96' });
  t.same(refused, []);
});

t.test('the limit is a few minutes, on both sides of it', async (t) => {
  t.equal(freshness(NOW - BEDSIDE_MAX_AGE_MS, NOW), 'fresh');
  t.equal(freshness(NOW - BEDSIDE_MAX_AGE_MS - 1, NOW), 'stale');
  t.equal(freshness(NOW + MIN, NOW), 'fresh', 'a device clock a minute ahead is tolerated');
  t.equal(freshness(NOW + 10 * MIN, NOW), 'future');
});

t.test('an old oximeter reading, or one with no value (finger out), gives nothing; a fresh cuff still does', async (t) => {
  const old = vitalsFromBedside(bedsideOf([oximeter(NOW - 7 * MIN), cuff('2026-11-23T09:59')], 'America/Lima'), NOW);
  t.same(old.vitals, { systolic: '141', diastolic: '89', pulse: '74' });
  t.match(old.refused, [{ device: 'oximeter', why: 'stale', minutes: 7 }]);
  const out = vitalsFromBedside(bedsideOf([oximeter(NOW - 1000, null, null)], 'America/Lima'), NOW);
  t.same(out.vitals, {});
  t.match(out.refused, [{ device: 'pressure', why: 'none' }, { device: 'oximeter', why: 'noValue' }]);
});

t.test('with two oximeters the newest reading counts', async (t) => {
  const b = bedsideOf([oximeter(NOW - 60_000, 90, 100), { ...oximeter(NOW - 2000, 98, 70), id: 'oximetro-2' }], 'America/Lima');
  t.match(b.oximeter, { port: 'oximetro-2', spo2: 98, pulseBpm: 70 });
});
