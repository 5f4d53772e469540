/** How a counter-reference reads on screen and on paper: the same fields, in the order a nurse acts on them. */
import type { FastifyRequest } from 'fastify';
import type { CaseView } from '../../cases/case-service.js';
import type { PostThreadMessage } from '../../messages/thread-store.js';
import { html, raw, type Html } from '../../../lib/web/html.js';
import { diagnosisLabel, type Diagnosis } from '../../../protocol/case-messages.js';
import type { Translate } from '../../../lib/web/i18n.js';
import { when } from '../../../lib/web/time-format.js';

type Body = Record<string, unknown>;

export function patientName(body: Body): string {
  const p = body.patient as { names?: string; surnames?: string } | undefined;
  return [p?.names, p?.surnames].filter(Boolean).join(' ');
}

export function counterReferenceBody(t: Translate, b: Body): Html {
  if (b.type === 'question') return html`<p class="question">${String(b.question ?? '')}</p>`;
  const diagnoses = (b.diagnoses as Diagnosis[] | undefined) ?? [];
  const referral = b.referral as { needed: boolean; where?: string; urgency?: string } | undefined;
  const field = (key: string, value: unknown) => (value ? html`<dt>${t(key)}</dt><dd>${String(value)}</dd>` : '');
  return html`<dl class="answer">
    ${field('inbox.assessment', b.assessment)}
    ${diagnoses.length ? html`<dt>${t('inbox.diagnosis')}</dt><dd>${diagnoses.map((x) => html`<div class="dx"><strong>${x.code}</strong> ${diagnosisLabel(x)}</div>`)}</dd>` : ''}
    ${field('inbox.treatment', b.treatment)}
    ${field('inbox.recommendations', b.recommendations)}
    ${referral ? html`<dt>${t('inbox.referral')}</dt><dd>${referral.needed ? t(referral.urgency === 'urgent' ? 'inbox.referUrgent' : 'inbox.refer', { where: referral.where ?? '' }) : t('inbox.noReferral')}</dd>` : ''}
    ${field('inbox.followUp', b.followUp)}
  </dl>`;
}

/**
 * Everything from the hub is opened only after its signature verified
 * (relay/trust.ts), so the line states a fact; it names the specialist the
 * hub's signed message names, account included where the hub sends it.
 */
export function signatureLine(t: Translate, body: Record<string, unknown>): Html {
  const a = (body.author ?? {}) as { name?: unknown; username?: unknown };
  const who = `${String(a.name ?? '')}${a.username ? ` (${String(a.username)})` : ''}`;
  return html`<p class="signed small">&#10003; ${t('inbox.signed', { who })}</p>`;
}

/** One printed page: who, what was asked, what the specialist answered, and room for signatures. */
export function printPage(req: FastifyRequest, m: PostThreadMessage, c: CaseView | undefined): Html {
  const t = req.t;
  const body = (c?.body ?? {}) as Body;
  const p = (body.patient ?? {}) as { document?: { kind?: string; number?: string }; ageYears?: number; sex?: string; community?: string };
  const author = (m.body.author ?? {}) as { name?: string; specialty?: string };
  return html`<!doctype html><html lang="${t.lang}"><head><meta charset="utf-8"><title>${t('print.title')}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/base/base.css"><link rel="stylesheet" href="/static/app.css"><link rel="stylesheet" href="/static/print.css"><script src="/static/print.js" defer></script></head><body class="print">
<p class="no-print"><button type="button" data-print>${t('common.print')}</button> <a href="/mensajes/${m.id}">${t('common.back')}</a></p>
<h1>${t('print.title')}</h1>
<table class="facts">
<tr><th>${t('inbox.col.patient')}</th><td>${patientName(body)}</td><th>${t('print.document')}</th><td>${p.document?.kind ?? ''} ${p.document?.number ?? ''}</td></tr>
<tr><th>${t('print.age')}</th><td>${p.ageYears ?? ''}</td><th>${t('print.community')}</th><td>${p.community ?? ''}</td></tr>
<tr><th>${t('inbox.col.reason')}</th><td colspan="3">${String(body.reason ?? '')}</td></tr>
<tr><th>${t('print.sent')}</th><td>${when(req, c?.createdAt)}</td><th>${t('print.answered')}</th><td>${when(req, m.at)}</td></tr>
</table>
<h2>${t(`inbox.type.${m.type}`)} — ${author.name ?? ''} (${author.specialty ? t(`specialty.${author.specialty}`) : ''})</h2>
${counterReferenceBody(t, m.body)}
${signatureLine(t, m.body)}
<div class="signatures"><div>${t('print.receivedBy')}</div><div>${t('print.signature')}</div></div>
<p class="muted small">Chasqui · ${t('inbox.forCase')} ${m.caseId}</p>
</body></html>`;
}

