/**
 * The ICD-10 index over the real classification the hub ships
 * (hub/terminology/cie10-es.tsv, PAHO's Spanish edition): every code loaded
 * once and unique, codes typed the usual ways found, codes that do not exist
 * refused, words found with or without accents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Cie10, codeForm, fold, whoCode } from '../../../hub/terminology/cie10.js';
import { CIE10_FILE, loadCie10 } from '../../../hub/terminology/cie10-file.js';
import { REPO_ROOT, SHARED_DATA } from '../../support/paths.js';

const started = performance.now();
const cie10 = loadCie10();
const loadMs = performance.now() - started;

t.test('all 14,415 codes load, each once, fast, and the shipped copy is the shared data file', async (t) => {
  t.equal(cie10.size, 14_415);
  const codes = cie10.codes();
  t.equal(new Set(codes).size, codes.length, 'every code unique');
  t.equal(codes.filter((c) => c.length === 3).length + codes.filter((c) => c.length === 4).length, 14_415, 'categories and subcategories only');
  // Loose on purpose: a shared CI machine is slow; a quadratic parse would take minutes.
  t.ok(loadMs < 3000, `loaded in ${loadMs.toFixed(0)} ms`);
  t.comment(`parsed ${cie10.size} codes in ${loadMs.toFixed(1)} ms`);
  t.equal(readFileSync(CIE10_FILE, 'utf8'), readFileSync(join(SHARED_DATA, 'terminology/cie10-es.tsv'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  t.ok(pkg.files.includes('hub/terminology/cie10-es.tsv'), 'an installed hub has it: the package ships the file');
  t.equal(loadCie10(), cie10, 'read once: every hub of a process shares the index');
});

t.test('a code typed any usual way is the one code of the file', async (t) => {
  for (const typed of ['I10', 'I10X', 'I10.X', 'i10x', ' I10 ']) {
    t.same(cie10.lookup(typed), { code: 'I10X', description: 'Hipertensión esencial (primaria)' }, typed);
  }
  for (const typed of ['I21.4', 'i21.4', 'I214']) t.equal(cie10.lookup(typed)?.code, 'I214', typed);
  t.equal(cie10.lookup('I214')?.description, 'Infarto subendocárdico agudo del miocardio');
  t.equal(cie10.lookup('I21')?.code, 'I21', 'a category with subcategories is itself a code');
  t.equal(cie10.lookup('U071')?.code, 'U071', 'chapter U (COVID-19) is there');
});

t.test('codes that do not exist are refused', async (t) => {
  for (const bad of ['I1O', 'Z109', 'I10.9', 'I109', 'dolor', '', 'I', 'I21.44', 'I2']) t.equal(cie10.lookup(bad), undefined, JSON.stringify(bad));
});

t.test('HIS form and WHO form', async (t) => {
  t.equal(codeForm('i21.4'), 'I214');
  t.equal(codeForm('pecho'), undefined);
  t.equal(whoCode('I214'), 'I21.4');
  t.equal(whoCode('I10X'), 'I10');
  t.equal(whoCode('I21'), 'I21');
  t.equal(whoCode('I21.4'), 'I21.4', 'an old message with a dot stays as it was');
  t.equal(fold('Hipertensión ÑANDÚ'), 'hipertension nandu');
});

t.test('word search: accent- and case-insensitive, every word a prefix, closest first, limited', async (t) => {
  const hipert = cie10.search('hipert');
  t.ok(hipert.length > 5 && hipert.length <= 20, `${hipert.length} results`);
  t.ok(hipert.every((e) => /hipert/i.test(fold(e.description))), 'every result has a word beginning hipert');
  t.equal(hipert[0]?.code, 'I10X', 'essential hypertension, the first category beginning with the word, first');
  t.same(cie10.search('HIPERTENSIÓN esencial').map((e) => e.code), cie10.search('hipertension esen').map((e) => e.code), 'accents and case do not matter');
  t.ok(cie10.search('hipertension esen').some((e) => e.code === 'I10X'));
  const infarto = cie10.search('infarto subendo');
  t.ok(infarto.some((e) => e.code === 'I214'), 'two words, both prefixes');
  t.ok(infarto.every((e) => /infarto/.test(fold(e.description)) && /subendo/.test(fold(e.description))));
  t.same(cie10.search('tensión'), cie10.search('tension'));
  t.notOk(cie10.search('tension').some((e) => e.code === 'I10X'), 'a word must begin a word: "tension" does not match "hipertensión"');
  t.equal(cie10.search('hipert', 5).length, 5, 'limit');
  t.same(cie10.search('xqzw'), [], 'nothing matches nonsense');
});

t.test('code search: exact first, then codes beginning with it', async (t) => {
  const r = cie10.search('I21');
  t.equal(r[0]?.code, 'I21');
  t.same(r.slice(1, 4).map((e) => e.code), ['I210', 'I211', 'I212']);
  t.equal(cie10.search('i10')[0]?.code, 'I10X');
  t.equal(cie10.search('I21.4')[0]?.code, 'I214');
  t.ok(cie10.search('I1').every((e) => e.code.startsWith('I1')));
});

t.test('a broken file is refused with the line that is wrong', async (t) => {
  t.throws(() => Cie10.parse('codigo\tdescripcion\n'), /header/);
  t.throws(() => Cie10.parse('code\tdescription\nI10X\tHipertensión\nI10X\tOtra\n'), /line 3: code I10X appears twice/);
  t.throws(() => Cie10.parse('code\tdescription\nI10X Hipertensión\n'), /line 2/);
  t.equal(Cie10.parse('code\tdescription\r\nI10X\tHipertensión esencial (primaria)\r\n').lookup('I10')?.code, 'I10X', 'CRLF is fine');
});
