/**
 * Form pieces the patient and case pages share: a labelled input with its
 * error next to it (role=alert, tied by aria-describedby so a screen reader
 * reads it with the field), a select, and a case's state as a badge.
 * A required field carries a visible mark (explained by `requiredLegend`)
 * and `required`/aria-required; a number field asks the phone for its
 * number keyboard (`numeric`).
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
  /** The phone keyboard to bring up: digits only, or digits with a decimal separator. */
  numeric?: 'numeric' | 'decimal';
  attrs?: Html;
  /** Shown after the input (an abnormal-value note); give it the id `${name}-note` to have it read with the field. */
  after?: Html | string;
}

/** What a number field asks of the browser. `pattern` is a hint for the keyboard and for styling only: forms are novalidate and the server decides. */
const NUMERIC: Record<'numeric' | 'decimal', Html> = {
  numeric: html` inputmode="numeric" pattern="[0-9]*"`,
  decimal: html` inputmode="decimal" pattern="[0-9]*[.,]?[0-9]*"`,
};

/** The mark after a required field's label; aria-hidden because `required` already tells a screen reader. */
function mark(required: boolean | undefined): Html | '' {
  return required ? html` <span class="req" aria-hidden="true">*</span>` : '';
}

function requiredAttrs(required: boolean | undefined): Html | '' {
  return required ? html` required aria-required="true"` : '';
}

/** The line that explains the mark, once at the top of a form with required fields. */
export function requiredLegend(t: (key: string) => string): Html {
  return html`<p class="hint req-legend"><span class="req" aria-hidden="true">*</span> ${t('form.requiredLegend')}</p>`;
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
<label for="${id}">${o.label}${mark(o.required)}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${requiredAttrs(o.required)}${o.numeric ? NUMERIC[o.numeric] : ''}${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}${o.attrs ?? ''}>
${o.after ?? ''}${errorLine(o.name, o.error)}</div>`;
}

export function textarea(o: Omit<FieldOptions, 'type' | 'after' | 'numeric'>): Html {
  const id = `f-${o.name}`;
  return html`<div>
<label for="${id}">${o.label}${mark(o.required)}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<textarea id="${id}" name="${o.name}"${requiredAttrs(o.required)}${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}${o.attrs ?? ''}>${o.value ?? ''}</textarea>
${errorLine(o.name, o.error)}</div>`;
}

export function select(o: { name: string; label: string; value: string | null | undefined; options: Array<{ value: string; label: string }>; error?: FieldErrorText; hint?: string; required?: boolean }): Html {
  const id = `f-${o.name}`;
  return html`<div>
<label for="${id}">${o.label}${mark(o.required)}${o.hint ? html` <span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}</label>
<select id="${id}" name="${o.name}"${requiredAttrs(o.required)}${o.error ? html` aria-invalid="true"` : ''}${described(o.name, o)}>
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
