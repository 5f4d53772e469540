/** Pieces of the specialist's pages: the patient line, waiting time, vitals, the thread, the answer form. */
import type { Translate } from '../../../lib/web/i18n.js';
import { diagnosisLabel, type CounterReference } from '../../../protocol/case-messages.js';
import { html, type Html } from '../../../lib/web/html.js';
import { isFormKey, newFormKey } from '../../../lib/web/submission-keys.js';
import type { HubCase } from '../../cases/case-store.js';
import type { ThreadMessage } from '../../cases/case-threads.js';

type Body = Record<string, unknown>;
type Patient = { names?: string; surnames?: string; document?: { kind?: string; number?: string }; ageYears?: number; ageEstimated?: boolean; sex?: string; community?: string };

export function patientOf(body: Body): Patient {
  return (body.patient ?? {}) as Patient;
}

export function patientLine(body: Body): string {
  const p = patientOf(body);
  const name = [p.surnames, p.names].filter(Boolean).join(', ');
  return [name || '—', p.ageYears !== undefined ? `${p.ageYears}${p.ageEstimated ? '~' : ''} a` : '', p.sex ?? ''].filter(Boolean).join(' · ');
}

export function waited(t: Translate, ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 60) return t('time.minutes', { n: min });
  const h = Math.floor(min / 60);
  return h < 48 ? t('time.hoursMinutes', { h, m: min % 60 }) : t('time.days', { n: Math.floor(h / 24) });
}

/** Vitals as the post sent them, out-of-range ones flagged (the post's rules travel with the values). */
export function vitalsTable(t: Translate, body: Body): Html {
  const vitals = (body.vitals ?? {}) as Record<string, { value: number; unit: string; flag?: string }>;
  const rows = Object.entries(vitals).map(([k, v]) => html`<tr class="${v.flag ? 'flagged' : ''}"><th>${t(`vitals.${k}`)}</th><td>${v.value} ${v.unit}</td><td>${v.flag ? html`<span class="badge flag-${v.flag}">${t(`vitals.flag.${v.flag}`)}</span>` : ''}</td></tr>`);
  return rows.length ? html`<table class="vitals">${rows}</table>` : html`<p class="muted">${t('review.noVitals')}</p>`;
}

/** `when` writes a time as every page does (lib/web/time-format.ts), in the region's zone. */
export function threadView(t: Translate, thread: ThreadMessage[], when: (at: string) => string): Html {
  const shown = thread.filter((m) => m.type !== 'seen');
  if (!shown.length) return html`<p class="muted">${t('review.noMessages')}</p>`;
  return html`${shown.map((m) => {
    const b = m.body as Body & { author?: { name?: string } };
    const receipt = m.direction === 'down'
      ? html`<span class="muted">${m.readAt ? t('review.readBy', { who: m.readBy ?? '', at: when(m.readAt) }) : m.deliveredAt ? t('review.delivered') : t('review.onItsWay')}</span>`
      : '';
    const content = m.type === 'answer' ? answerView(t, m.body as CounterReference) : html`<p>${String((m.type === 'question' ? b.question : b.text) ?? '')}</p>`;
    return html`<article class="card msg ${m.direction} ${m.type}" data-id="${m.id}"><p class="muted">${t(`review.type.${m.type}`)} · ${b.author?.name ?? ''} · ${when(m.at)} ${receipt}</p>${content}</article>`;
  })}`;
}

/** A counter-reference as the post received it, whole: what the specialist told the nurse is what they read back here. */
export function answerView(t: Translate, a: CounterReference): Html {
  const item = (cls: string, label: string, value: Html | string) => html`<dt>${label}</dt><dd class="${cls}">${value}</dd>`;
  const r = a.referral;
  const referral = r?.needed
    ? t('review.referYes', { where: r.where || '—', urgency: t(`priority.${r.urgency ?? 'routine'}`) })
    : t('review.referNo');
  return html`<dl class="answer">
    ${item('assessment', t('review.assessment'), a.assessment ?? '')}
    ${a.diagnoses?.length ? item('diagnoses', t('review.diagnoses'), html`<ul>${a.diagnoses.map((x) => html`<li><code>${x.code}</code> ${diagnosisLabel(x)}</li>`)}</ul>`) : ''}
    ${a.treatment ? item('treatment', t('review.treatment'), a.treatment) : ''}
    ${a.recommendations ? item('recommendations', t('review.recommendations'), a.recommendations) : ''}
    ${r ? item('referral', t('review.referral'), referral) : ''}
    ${a.followUp ? item('follow-up', t('review.followUp'), a.followUp) : ''}
  </dl>`;
}

/** Marks a case whose post wrote since this specialist last opened it. */
export function newMessageBadge(t: Translate): Html {
  return html`<span class="badge new-message">${t('review.newFromPost')}</span>`;
}

/** Earlier cases of the same person, from any post: matched by identity document. */
export function earlierCases(all: HubCase[], current: HubCase): HubCase[] {
  const doc = patientOf(current.body as Body).document;
  if (!doc?.number) return [];
  return all.filter((c) => c !== current && c.caseId !== current.caseId && patientOf(c.body as Body).document?.number === doc.number && patientOf(c.body as Body).document?.kind === doc.kind);
}

/**
 * The counter-reference (or question) form. It carries a one-time key, so a
 * double tap or a resent POST creates one message (hub/cases/counter-references.ts);
 * a re-render after a refusal or a "Comprobar" keeps the key and everything typed.
 * data-draft names the case for answer-draft.js, which keeps a copy of what is
 * typed in the browser through a reload or an ended session; a pristine form
 * (nothing from the server) is the one it may fill back. `dx`: the ICD-10
 * diagnosis fields (diagnosis-field.ts).
 */
export function answerForm(t: Translate, o: { action: string; draftKey: string }, values: Record<string, string> = {}, error: string | undefined, dx: Html): Html {
  const v = (k: string) => values[k] ?? '';
  const formKey = isFormKey(v('formKey')) ? v('formKey') : newFormKey();
  const pristine = Object.keys(values).length === 0;
  return html`<form method="post" action="${o.action}" class="card answer-form" data-draft="${o.draftKey}" data-restored="${t('review.draftRestored')}"${pristine ? html` data-pristine` : ''}>
    <input type="hidden" name="formKey" value="${formKey}">
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <fieldset><legend>${t('review.kind')}</legend>
      <label><input type="radio" name="type" value="answer"${v('type') !== 'question' ? html` checked` : ''}> ${t('review.type.answer')}</label>
      <label><input type="radio" name="type" value="question"${v('type') === 'question' ? html` checked` : ''}> ${t('review.type.question')}</label></fieldset>
    <label for="assessment">${t('review.assessment')}</label><textarea id="assessment" name="assessment">${v('assessment')}</textarea>
    ${dx}
    <label for="treatment">${t('review.treatment')}</label><textarea id="treatment" name="treatment">${v('treatment')}</textarea>
    <label for="recommendations">${t('review.recommendations')}</label><textarea id="recommendations" name="recommendations">${v('recommendations')}</textarea>
    <div class="grid"><label><input type="checkbox" name="refer" value="1"${v('refer') ? html` checked` : ''}> ${t('review.refer')}</label>
      <label>${t('review.referWhere')} <input name="referWhere" value="${v('referWhere')}"></label>
      <label>${t('review.referUrgency')} <select name="referUrgency"><option value="routine">${t('priority.routine')}</option><option value="urgent"${v('referUrgency') === 'urgent' ? html` selected` : ''}>${t('priority.urgent')}</option></select></label></div>
    <label for="followUp">${t('review.followUp')}</label><input id="followUp" type="date" name="followUp" value="${v('followUp')}">
    <label for="question">${t('review.question')}</label><textarea id="question" name="question">${v('question')}</textarea>
    <button>${t('review.send')}</button>
  </form>`;
}
