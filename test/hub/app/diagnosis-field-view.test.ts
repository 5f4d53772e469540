/**
 * The diagnosis fields drawn by the server with the real classification and
 * the hub's real catalogues: a known code shows its description, an unknown
 * one its error in the page's language, and nothing typed is changed.
 */
import t from 'tap';
import { HUB_LOCALES_DIR } from '../../../hub/app/app-plugin.js';
import { diagnosisFields, hasUnknownDiagnosis, typedDiagnoses } from '../../../hub/app/pages/diagnosis-field.js';
import { loadCie10 } from '../../../hub/terminology/cie10-file.js';
import { I18n } from '../../../lib/web/i18n.js';

const cie10 = loadCie10();
const i18n = I18n.load(HUB_LOCALES_DIR);

t.test('known codes described, unknown ones refused, in Spanish and English', async (t) => {
  const form = { dx0code: 'i10', dx1code: 'I1O', dx2code: '' };
  const es = diagnosisFields(i18n.translator('es'), form, cie10).value;
  t.match(es, /<p id="dx0code-desc" class="dx-desc" aria-live="polite"><strong>I10X<\/strong> Hipertensión esencial \(primaria\)<\/p>/);
  t.match(es, /id="dx1code-desc" class="field-error" aria-live="polite" role="alert">«I1O» no es un código de la CIE-10/);
  t.match(es, /name="dx0code" value="i10"/, 'what was typed is kept as typed');
  t.match(es, /name="dx1code" value="I1O"[^>]*aria-invalid="true"/);
  t.notMatch(es, /name="dx0code"[^>]*aria-invalid/);
  t.match(es, /value="Comprobar códigos"/);
  const en = diagnosisFields(i18n.translator('en'), form, cie10).value;
  t.match(en, /“I1O” is not an ICD-10 code/);
  t.match(en, /data-unknown="“\{code\}” is not an ICD-10 code/, 'the script gets the page language\'s words');
  t.notMatch(en, /review\.dx/, 'no raw key');
  t.notMatch(es, /review\.dx/, 'no raw key');
});

t.test('which codes were typed, and whether one is unknown', async (t) => {
  t.same(typedDiagnoses({ dx0code: ' I10 ', dx1code: '', dx2code: 'r51' }), [{ code: 'I10' }, { code: 'r51' }]);
  t.equal(hasUnknownDiagnosis({ dx0code: 'I10', dx2code: 'r51' }, cie10), false);
  t.equal(hasUnknownDiagnosis({ dx0code: 'I10', dx1code: 'Z109' }, cie10), true);
  t.equal(hasUnknownDiagnosis({}, cie10), false, 'no diagnosis is allowed');
});
