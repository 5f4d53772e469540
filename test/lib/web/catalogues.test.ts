/**
 * The locale catalogues of both apps against each other and against the
 * code: every language has the same keys, and every key the code names
 * exists. A key built at run time ("inbox.type.${m.type}") is checked for
 * every member of the union it is built from; the unions are listed as
 * exhaustive records, so a new member that has no words fails to compile
 * here, and a new built key that is not listed fails this test.
 */
import t from 'tap';
import { join } from 'node:path';
import { ERRORS } from '../../../lib/errors.js';
import { I18n } from '../../../lib/web/i18n.js';
import type { AuditOutcome } from '../../../lib/auth/audit-log.js';
import { HUB_LOCALES_DIR } from '../../../hub/app/app-plugin.js';
import type { LinkSummary } from '../../../hub/app/pages/links-page.js';
import { SPECIALTIES as HUB_SPECIALTIES } from '../../../hub/routing/routing-rules.js';
import type { Priority } from '../../../hub/routing/sla.js';
import { LOCALES_DIR } from '../../../node/app/app-plugin.js';
import { SPECIALTIES } from '../../../node/cases/case-drafts.js';
import type { JourneyState } from '../../../node/cases/case-journey.js';
import { VITAL_FIELDS, type VitalFlag } from '../../../node/cases/vitals.js';
import { DOC_KINDS, SEXES } from '../../../node/patients/patient-store.js';
import type { QualityCode } from '../../../firmware-bridge/capture/signal-quality.js';
import type { PortState } from '../../../firmware-bridge/serial/device-port.js';
import type { CaseReply, CaseSeenNotice, CounterReference } from '../../../protocol/case-messages.js';
import { MAINTENANCE_REASONS } from '../../../protocol/hub-notices.js';
import { keysUsed, rawKeysIn, sourceFiles } from '../../support/i18n-keys.js';

const members = <K extends string>(r: Record<K, true>): K[] => Object.keys(r) as K[];

type ThreadType = CounterReference['type'] | CaseReply['type'] | CaseSeenNotice['type'];
const THREAD_TYPES = members<ThreadType>({ answer: true, question: true, reply: true, seen: true });
const JOURNEY = members<JourneyState>({ draft: true, waiting: true, sending: true, delivered: true, seen: true, answered: true, refused: true, unknown: true });
const FLAGS = members<VitalFlag>({ low: true, high: true });
const PORT_STATES = members<PortState>({ connecting: true, open: true, absent: true, failed: true, stopped: true });
const QUALITY = members<QualityCode>({ unreadable: true, tooShort: true, leadOff: true, flatLine: true, saturation: true, mainsNoise: true, baselineWander: true, noHeartbeat: true });
const PRIORITIES = members<Priority>({ urgent: true, routine: true });
const LINK_FLAGS = members<keyof LinkSummary['flags']>({ silent: true, backlogGrowing: true, stuck: true });

/** Every built key in each app's code, and the values it can take there. */
const NODE_DYNAMIC: Record<string, readonly string[]> = {
  'home.maintenance.reason.*': MAINTENANCE_REASONS,
  'cases.state.*': JOURNEY,
  'patients.docKind.*': DOC_KINDS,
  'patients.sex.*': SEXES,
  'inbox.type.*': THREAD_TYPES,
  'specialty.*': SPECIALTIES,
  'vitals.flag.*': FLAGS,
  'vitals.field.*': VITAL_FIELDS,
  'cases.specialty.*': [...SPECIALTIES, 'any'],
  'cases.priority.*': PRIORITIES,
  // The capture page names the device and capture errors it catches by code (node/app/pages/device-pages.ts).
  'devices.error.*': Object.keys(ERRORS).filter((c) => c.startsWith('CHASQUI_ERR_CAPTURE') || c.startsWith('CHASQUI_ERR_DEVICE')),
  'devices.state.*': PORT_STATES,
  'quality.*': QUALITY,
  // Why a bedside device gave nothing to the vitals (node/devices/bedside-readings.ts BedsideRefusal): device.why.
  'bedside.refused.*.*': ['pressure.none', 'pressure.stale', 'pressure.future', 'oximeter.none', 'oximeter.noValue', 'oximeter.stale', 'oximeter.future'],
};
const HUB_DYNAMIC: Record<string, readonly string[]> = {
  'review.type.*': THREAD_TYPES.filter((x) => x !== 'seen'),
  'specialty.*': HUB_SPECIALTIES,
  'priority.*': PRIORITIES,
  // The built-in routing rules with words (hub/app/pages/case-review-page.ts); a region's own rules show their reason.
  'review.rule.*': ['explicit', 'ecg', 'skinPhoto', 'obstetric', 'paediatric', 'default'],
  'links.flag.*': LINK_FLAGS,
  // The post sends its vitals keyed by field, flagged by its own rules.
  'vitals.*': VITAL_FIELDS,
  'vitals.flag.*': FLAGS,
  'postAudit.outcome.*': ['allowed', 'refused'] satisfies AuditOutcome[],
};
/** Built keys that fall back to a code on purpose (checked with t.has, never shown raw). */
const FALLS_BACK = new Set(['audit.action.*', 'devices.protocol.*', 'devices.error.*.*']);

const APPS = [
  { name: 'post', locales: LOCALES_DIR, dirs: ['node/app', 'lib/web'], dynamic: NODE_DYNAMIC },
  { name: 'hub', locales: HUB_LOCALES_DIR, dirs: ['hub/app', 'lib/web'], dynamic: HUB_DYNAMIC },
];

for (const a of APPS) {
  const i18n = I18n.load(a.locales);
  const es = i18n.catalogs.get('es')!;

  t.test(`${a.name}: every language has every key, and no empty message`, async (t) => {
    t.ok(i18n.languages.length >= 2, `${a.name} has es and at least one more language`);
    for (const [lang, cat] of i18n.catalogs) {
      t.same(Object.keys(es).filter((k) => !(k in cat)), [], `${lang} lacks no key es has`);
      t.same(Object.keys(cat).filter((k) => !(k in es)), [], `${lang} has no key es lacks`);
      t.same(Object.entries(cat).filter(([, v]) => !v.trim()).map(([k]) => k), [], `${lang} has no empty message`);
      // A placeholder a translation drops or renames shows the nurse "{name}".
      const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      t.same(Object.keys(es).filter((k) => k in cat && params(cat[k]!).join() !== params(es[k]!).join()), [], `${lang} keeps every {placeholder} of es`);
    }
  });

  t.test(`${a.name}: every key the code names is in the catalogue`, async (t) => {
    const used = keysUsed(sourceFiles(...a.dirs.map((d) => join(d))));
    t.ok(used.length > 50, `found the translator's calls (${used.length})`);
    const literal = used.filter((u) => !u.key.includes('*'));
    t.same(literal.filter((u) => !(u.key in es)).map((u) => `${u.key} (${u.file})`), [], 'no literal key is missing');
    const built = [...new Set(used.filter((u) => u.key.includes('*')).map((u) => u.key))].filter((k) => !FALLS_BACK.has(k));
    t.same(built.filter((k) => !(k in a.dynamic)).map((k) => `${k} (${used.find((u) => u.key === k)!.file})`), [], 'every built key has its values listed in this test');
    for (const [pattern, values] of Object.entries(a.dynamic)) {
      t.ok(built.includes(pattern), `${pattern} is still built in the code (else drop it here)`);
      t.same(values.map((v) => pattern.replace(/\*(?:\.\*)*/, v)).filter((k) => !(k in es)), [], `${pattern}: a key for every value`);
    }
  });
}

t.test('a raw key on a page is found; words, names, URLs and file names are not', async (t) => {
  const known = new Set(Object.keys(I18n.load(LOCALES_DIR).catalogs.get('es')!));
  t.same(rawKeysIn('<p class="muted">inbox.type.seen · · 02/12/2026</p>', known), ['inbox.type.seen'], 'the key from issue 10');
  t.same(rawKeysIn('<td>cases.state.sent</td><td>audit.action.case.view</td>', known), ['cases.state.sent', 'audit.action.case.view']);
  const words = '<p>Dra. Carmen Quispe, p. ej. 36.8 °C</p><a href="/casos/x.y">canon_hdr_NO.jpg</a><code>{"inbox.type":"x"}</code><script>t("inbox.x")</script><p>https://hub.example.pe/cola</p><img alt="inbox.photo">';
  t.same(rawKeysIn(words, known), [], 'nothing else');
});
