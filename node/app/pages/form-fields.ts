/**
 * Form pieces the patient and case pages share: a labelled input with its
 * error next to it (role=alert, tied by aria-describedby so a screen reader
 * reads it with the field), a select, and a case's state as a badge.
 */
import type { FastifyRequest } from 'fastify';
import type { Journey } from '../../cases/case-journey.js';
import { html, type Html } from '../../../lib/web/html.js';

export type FieldErrorText = string | undefined;

export interface FieldOptions {
  name: string;
  label: string;
  value: string | number | null | undefined;
  error?: FieldErrorText;
  hint?: string;
  type?: string;
  required?: boolean;
  attrs?: Html;
  /** Shown after the input (an abnormal-value note); give it the id `${name}-note` to have it read with the field. */
  after?: Html | string;
}

export function errorLine(id: string, text: FieldErrorText): Html | '' {
  return text ? html`<p class="field-error" id="${id}-err" role="alert">${text}</p>` : '';
}

function described(name: string, o: { error?: FieldErrorText; hint?: string; after?: unknown }): Html | '' {
  const ids = [o.hint ? `${name}-hint` : '', o.after ? `${name}-note` : '', o.error ? `${name}-err` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
}

export function field(o: FieldOptions): Html {
  const id = `f-${o.name}`;
  return html`<div>
<label for="${id}">${o.label}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}${o.attrs ?? ''}>
${o.after ?? ''}${errorLine(o.name, o.error)}</div>`;
}

export function textarea(o: Omit<FieldOptions, 'type' | 'after'>): Html {
  const id = `f-${o.name}`;
  return html`<div>
<label for="${id}">${o.label}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<textarea id="${id}" name="${o.name}"${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}${o.attrs ?? ''}>${o.value ?? ''}</textarea>
${errorLine(o.name, o.error)}</div>`;
}

export function select(o: { name: string; label: string; value: string | null | undefined; options: Array<{ value: string; label: string }>; error?: FieldErrorText; hint?: string }): Html {
  const id = `f-${o.name}`;
  return html`<div>
<label for="${id}">${o.label}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<select id="${id}" name="${o.name}"${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}>
${o.options.map((op) => html`<option value="${op.value}"${op.value === (o.value ?? '') ? html` selected` : ''}>${op.label}</option>`)}
</select>
${errorLine(o.name, o.error)}</div>`;
}

const BADGE: Partial<Record<Journey['state'], string>> = { delivered: 'delivered', seen: 'delivered', answered: 'answered', refused: 'refused' };

/** "Enviando 42 %" and friends, from the translation catalogue. */
export function journeyText(req: FastifyRequest, j: Journey): string {
  const t = req.t;
  const text = t(`cases.state.${j.state}`, { percent: j.percent });
  if (j.state !== 'sending' || j.secondsLeft === null) return text;
  return `${text} · ${t('cases.state.secondsLeft', { minutes: Math.max(1, Math.round(j.secondsLeft / 60)) })}`;
}

export function journeyBadge(req: FastifyRequest, j: Journey): Html {
  const cls = BADGE[j.state];
  return html`<span class="badge${cls ? ` ${cls}` : ''}">${journeyText(req, j)}</span>`;
}

// One way to write a time on every page (lib/web/time-format.ts); re-exported for the pages that import it from here.
export { when, withZone } from '../../../lib/web/time-format.js';

export function formBody(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}
