/**
 * One way to write a time: the region's zone, labelled, day first, 24 h; the
 * zone is a setting of both programs, checked as an IANA name at start.
 */
import t from 'tap';
import { loadConfig } from '../../../lib/config.js';
import { I18n } from '../../../lib/web/i18n.js';
import { formatInstant, zoneLabel, zoneOffset } from '../../../lib/web/time-format.js';
import { HUB_LOCALES_DIR } from '../../../hub/app/app-plugin.js';
import { HubConfigSchema } from '../../../hub/config.js';
import { LOCALES_DIR } from '../../../node/app/app-plugin.js';
import { PostConfigSchema } from '../../../node/config.js';

// 14:30:05 UTC: 09:30 in Lima and Bogotá (UTC−5, no daylight saving), 15:30 in Madrid (winter, UTC+1).
const AT = Date.parse('2026-12-02T14:30:05Z');

t.test('an instant in the zone, day first, 24-hour, in each language', async (t) => {
  t.equal(formatInstant(AT, 'es', 'America/Lima'), '02/12/2026 09:30');
  t.equal(formatInstant(AT, 'en', 'America/Lima'), '02/12/2026 09:30');
  t.equal(formatInstant(new Date(AT).toISOString(), 'es', 'Europe/Madrid'), '02/12/2026 15:30');
  t.equal(formatInstant(AT, 'es', 'America/Lima', 'dateTimeSeconds'), '02/12/2026 09:30:05');
  // 03:00 UTC is still the day before in Lima: a date cut from the ISO string would be a day late.
  t.equal(formatInstant('2026-12-02T03:00:00Z', 'es', 'America/Lima', 'date'), '01/12/2026');
  t.equal(formatInstant(null, 'es', 'America/Lima'), '');
  t.equal(formatInstant('not a date', 'es', 'America/Lima'), '', 'never "Invalid Date"');
});

t.test('the label names the place in the reader\'s language, or the offset', async (t) => {
  const post = I18n.load(LOCALES_DIR);
  const hub = I18n.load(HUB_LOCALES_DIR);
  for (const i18n of [post, hub]) {
    t.equal(zoneLabel(i18n.translator('es'), 'America/Lima'), 'hora de Lima');
    t.equal(zoneLabel(i18n.translator('en'), 'America/Lima'), 'Lima time');
    t.equal(zoneLabel(i18n.translator('es'), 'America/Argentina/Buenos_Aires'), 'hora de Buenos Aires');
    t.same(i18n.missing, [], 'the label\'s words are in every catalogue');
  }
  t.equal(zoneLabel(post.translator('es'), 'UTC'), 'UTC');
  t.equal(zoneOffset('America/Lima', AT), 'UTC\u22125');
  t.equal(zoneOffset('Asia/Kolkata', AT), 'UTC+5:30');
  t.equal(zoneOffset('Etc/UTC', AT), 'UTC');
});

t.test('region.timeZone: America/Lima unless set, and only a zone the platform knows', async (t) => {
  const post = { postId: 'p1', hub: { password: 'x' } };
  for (const [name, schema, base] of [['post', PostConfigSchema, post], ['hub', HubConfigSchema, {}]] as const) {
    t.equal(loadConfig(schema, { overrides: base }).region.timeZone, 'America/Lima', `${name}: the default`);
    t.equal(loadConfig(schema, { overrides: { ...base, region: { timeZone: 'America/Bogota' } } }).region.timeZone, 'America/Bogota', `${name}: set in the file`);
    t.equal(loadConfig(schema, { overrides: base, env: { CHASQUI_REGION__TIME_ZONE: 'Europe/Madrid' } }).region.timeZone, 'Europe/Madrid', `${name}: set by the environment`);
    for (const bad of ['America/Lyma', 'Lima', 'GMT-5 ', '']) {
      t.throws(() => loadConfig(schema, { overrides: { ...base, region: { timeZone: bad } } }), { code: 'CHASQUI_ERR_CONFIG', message: /\/region\/timeZone/ }, `${name}: "${bad}" refused`);
    }
  }
});
