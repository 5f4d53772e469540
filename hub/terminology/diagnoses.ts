/**
 * A counter-reference's diagnoses as they leave the hub: each code checked
 * against the classification and written in its HIS-MINSA form, with the
 * classification's description. Whatever description came with the input
 * (a form, an API caller) is dropped: the nurse, the printout and the FHIR
 * export read the classification's words, never typed ones.
 */
import { ChasquiError } from '../../lib/errors.js';
import type { Diagnosis } from '../../protocol/case-messages.js';
import type { Cie10 } from './cie10.js';

export function resolveDiagnoses(cie10: Cie10, input: ReadonlyArray<{ code: string }>): Diagnosis[] {
  return input.map((d, i) => {
    const entry = cie10.lookup(String(d.code ?? ''));
    if (!entry) {
      throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `diagnosis ${i + 1}: ${JSON.stringify(d.code)} is not a code of the ICD-10 (CIE-10)`, { field: `diagnoses.${i}.code`, code: d.code });
    }
    return { code: entry.code, description: entry.description };
  });
}
