/**
 * The counter-reference form's ICD-10 diagnosis fields. Each typed code is
 * looked up in the classification when the page is drawn, so its description
 * is shown before anything is sent, with or without JavaScript (a
 * "Comprobar" submit draws the page again); a code the classification lacks
 * is refused next to its field, in the page's language. (The check is an
 * <input type=submit>, first in the form: Enter in a field checks, and the
 * form's one <button> stays the one that sends.) With JavaScript,
 * public/cie10-field.js offers suggestions as the specialist types a code or
 * words (GET /api/cie10).
 */
import { html, type Html } from '../../../lib/web/html.js';
import type { Translate } from '../../../lib/web/i18n.js';
import type { Cie10 } from '../../terminology/cie10.js';

/** How many diagnoses the form offers. */
export const DIAGNOSIS_ROWS = 3;

const fieldName = (i: number) => `dx${i}code`;

/** The codes typed in the form, in order, empty rows left out (the hub resolves each against the classification). */
export function typedDiagnoses(form: Record<string, string | undefined>): Array<{ code: string }> {
  const out: Array<{ code: string }> = [];
  for (let i = 0; i < DIAGNOSIS_ROWS; i++) {
    const code = (form[fieldName(i)] ?? '').trim();
    if (code) out.push({ code });
  }
  return out;
}

/** Whether any typed code is not in the classification: then the form is drawn again instead of sent. */
export function hasUnknownDiagnosis(form: Record<string, string | undefined>, cie10: Cie10): boolean {
  return typedDiagnoses(form).some((d) => !cie10.lookup(d.code));
}

export function diagnosisFields(t: Translate, values: Record<string, string | undefined>, cie10: Cie10): Html {
  const rows = Array.from({ length: DIAGNOSIS_ROWS }, (_, i) => {
    const name = fieldName(i);
    const typed = (values[name] ?? '').trim();
    const entry = typed ? cie10.lookup(typed) : undefined;
    const unknown = typed !== '' && !entry;
    const described = `${name}-desc`;
    return html`<div class="dx-row">
      <label for="${name}">${t('review.dxCode')} ${i + 1}</label>
      <input id="${name}" name="${name}" value="${values[name] ?? ''}" data-cie10 autocomplete="off" autocapitalize="characters" spellcheck="false"
        placeholder="${t('review.dxPlaceholder')}" aria-describedby="${described}"${unknown ? html` aria-invalid="true"` : ''}>
      <p id="${described}" class="${unknown ? 'field-error' : 'dx-desc'}" aria-live="polite"${unknown ? html` role="alert"` : ''}>${
        entry ? html`<strong>${entry.code}</strong> ${entry.description}` : unknown ? t('review.dxUnknown', { code: typed }) : ''
      }</p>
      <ul class="dx-suggestions" role="listbox" aria-label="${t('review.dxSuggestions')}" hidden></ul>
    </div>`;
  });
  // The script reads its words from here, so suggestions speak the page's language too.
  return html`<fieldset class="diagnoses" data-api="/api/cie10" data-unknown="${t('review.dxUnknown', { code: '{code}' })}" data-none="${t('review.dxNone')}">
    <legend>${t('review.dxLegend')}</legend>
    <p class="hint">${t('review.dxHint')}</p>
    ${rows}
    <input type="submit" name="check" value="${t('review.dxCheck')}" class="button secondary">
  </fieldset>`;
}
