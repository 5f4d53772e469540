/**
 * Every date and time a person reads, in the region's time zone
 * (lib/time-zone.ts) and labelled with it: "02/12/2026 09:30 (hora de Lima)".
 * Day first and a 24-hour clock in every language, as clinical records in
 * Peru are kept, and short enough for a phone. A table may label the zone
 * once, in its column header (zoneLabel), and show bare times (label: false).
 */
import type { FastifyRequest } from 'fastify';
import type { Translate } from './i18n.js';

export type Instant = string | number | Date;

/** The zone's place name from its IANA id: America/Argentina/Buenos_Aires → Buenos Aires. */
export function zoneCity(timeZone: string): string {
  return timeZone.split('/').pop()!.replace(/_/g, ' ');
}

/** The zone's offset at an instant, written the way people write it: UTC−5, UTC+5:30, UTC. */
export function zoneOffset(timeZone: string, at: Instant): string {
  const part = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(toDate(at)).find((p) => p.type === 'timeZoneName');
  const gmt = (part?.value ?? 'GMT').replace(/^GMT(\+0)?$/, 'GMT');
  return gmt === 'GMT' ? 'UTC' : gmt.replace('GMT', 'UTC').replace('-', '\u2212');
}

/** "hora de Lima" / "Lima time"; a zone with no place (UTC, Etc/GMT+5) is named by its offset. */
export function zoneLabel(t: Translate, timeZone: string, at: Instant = 0): string {
  if (!timeZone.includes('/') || timeZone.startsWith('Etc/')) return zoneOffset(timeZone, at);
  return t('time.zone', { city: zoneCity(timeZone) });
}

function toDate(at: Instant): Date {
  return at instanceof Date ? at : new Date(at);
}

function locale(lang: string): string {
  // es-PE and en-GB both write day/month/year; a language ICU does not know (qu) falls back to its default.
  return lang === 'es' ? 'es-PE' : lang === 'en' ? 'en-GB' : lang;
}

/** The access log keeps seconds: two reads of a record a minute apart are two lines an auditor tells apart. */
export type TimeStyle = 'dateTime' | 'dateTimeSeconds' | 'date';

/** The instant in the zone, unlabelled; '' for no instant or an unreadable one, never "Invalid Date". */
export function formatInstant(at: Instant | null | undefined, lang: string, timeZone: string, style: TimeStyle = 'dateTime'): string {
  if (at === null || at === undefined || at === '') return '';
  const d = toDate(at);
  if (Number.isNaN(d.getTime())) return '';
  const fmt = new Intl.DateTimeFormat(locale(lang), {
    timeZone, day: '2-digit', month: '2-digit', year: 'numeric',
    ...(style === 'date' ? {} : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const }),
    ...(style === 'dateTimeSeconds' ? { second: '2-digit' } : {}),
  });
  // Some locales put a comma between date and time; on a phone a space reads as well and is shorter.
  return fmt.format(d).replace(', ', ' ');
}

/** The zone this request's app shows times in (registerWeb's `timeZone`). */
export function requestZone(req: FastifyRequest): string {
  return req.server.timeZone;
}

/** A time for a page: in the region's zone, in the reader's language, labelled unless the page labels it once. */
export function when(req: FastifyRequest, at: Instant | null | undefined, o: { style?: TimeStyle; label?: boolean } = {}): string {
  const zone = requestZone(req);
  const text = formatInstant(at, req.t.lang, zone, o.style);
  if (!text || o.label === false || o.style === 'date') return text;
  return `${text} (${zoneLabel(req.t, zone, at!)})`;
}

/** A column header or footnote that labels every time under it: "Fecha y hora (hora de Lima)". */
export function withZone(req: FastifyRequest, text: string): string {
  return `${text} (${zoneLabel(req.t, requestZone(req))})`;
}
