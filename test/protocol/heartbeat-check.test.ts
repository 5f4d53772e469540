import t from 'tap';
import { checkHeartbeat, parseHeartbeat } from '../../protocol/heartbeat-check.js';
import { HEARTBEAT_MAX_BYTES } from '../../protocol/heartbeat.js';
import { sampleHeartbeat } from '../support/sample-heartbeat.js';
import { ALL_HEALTH, healthTopic, parseTopic } from '../../protocol/topics.js';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
const MALFORMED = { name: 'ChasquiError', code: 'CHASQUI_ERR_MALFORMED_MESSAGE' };

t.test('a well-formed heartbeat passes unchanged and fits the size bound', async (t) => {
  const hb = sampleHeartbeat();
  t.same(parseHeartbeat(enc(hb)), hb);
  t.ok(enc(hb).length < HEARTBEAT_MAX_BYTES / 2, `${enc(hb).length} bytes`);
  const cold = sampleHeartbeat({ board: { temperatureC: -4.5, undervoltage: null, onBattery: true, batteryPercent: 80 }, link: { rttMs: null, rateBps: null, bytesSent: 0, bytesReceived: 0 } });
  t.same(checkHeartbeat(cold), cold, 'nulls for unknowns; a sub-zero SoC at night is real');
});

t.test('extra fields are dropped, not stored', async (t) => {
  const out = checkHeartbeat({ ...sampleHeartbeat(), patient: 'Quispe' });
  t.notOk('patient' in out);
});

t.test('oversized, non-JSON and wrong shapes are refused', async (t) => {
  t.throws(() => parseHeartbeat(Buffer.alloc(HEARTBEAT_MAX_BYTES + 1, 0x20)), MALFORMED, 'over the bound, before parsing');
  t.throws(() => parseHeartbeat(Buffer.from('{"v":1')), MALFORMED, 'not JSON');
  const cases: Array<[string, unknown]> = [
    ['array', [sampleHeartbeat()]],
    ['version 2', { ...sampleHeartbeat(), v: 2 }],
    ['bad post id', sampleHeartbeat({ postId: 'a/#' })],
    ['bad reason', { ...sampleHeartbeat(), reason: 'boot' }],
    ['bad time', sampleHeartbeat({ at: 'yesterday' })],
    ['negative uptime', sampleHeartbeat({ uptimeS: -1 })],
    ['infinite queue', { ...sampleHeartbeat(), queue: { items: 1, bytes: 1e400, oldestQueuedAt: null } }],
    ['string as number', { ...sampleHeartbeat(), disk: { freeBytes: '5', totalBytes: 1 } }],
    ['negative rtt', { ...sampleHeartbeat(), link: { rttMs: -5, rateBps: null, bytesSent: 0, bytesReceived: 0 } }],
    ['missing board', { ...sampleHeartbeat(), board: undefined }],
    ['board flag not boolean', { ...sampleHeartbeat(), board: { temperatureC: null, undervoltage: 'no', onBattery: null, batteryPercent: null } }],
    ['long software', sampleHeartbeat({ software: 'x'.repeat(65) })],
  ];
  for (const [why, body] of cases) t.throws(() => checkHeartbeat(body), MALFORMED, why);
  // JSON cannot carry NaN; a hand-built object can.
  t.throws(() => checkHeartbeat(sampleHeartbeat({ uptimeS: Number.NaN })), MALFORMED, 'NaN');
});

t.test('health topics parse; up and down are unchanged', async (t) => {
  t.equal(healthTopic('post-a'), 'chasqui/v1/post-a/health');
  t.equal(ALL_HEALTH, 'chasqui/v1/+/health');
  t.same(parseTopic('chasqui/v1/post-a/health'), { postId: 'post-a', direction: 'health' });
  t.same(parseTopic('chasqui/v1/post-a/up'), { postId: 'post-a', direction: 'up' });
  t.same(parseTopic('chasqui/v1/post-a/down'), { postId: 'post-a', direction: 'down' });
  t.equal(parseTopic('chasqui/v1/+/health'), null);
  t.equal(parseTopic('chasqui/v1/post-a/health/x'), null);
});
