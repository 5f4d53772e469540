/**
 * The WHO ICD-10 in Spanish (CIE-10) as an index: exact lookup by code and
 * word search over the descriptions. Pure: parsing takes the file's text
 * (cie10-file.ts reads it), so the hub loads it once and tests feed it.
 *
 * Codes are kept as Peru's health information system (HIS-MINSA) writes
 * them: no dot, and a 3-character category without subcategories carries an
 * `X` (I10X is I10). A specialist may type any usual spelling (I10, I10X,
 * I10.X, i21.4, I214); all of them normalise to the one code of the file.
 */
import { ChasquiError } from '../../lib/errors.js';

export interface Cie10Entry {
  /** HIS-MINSA form: `I214`, `I10X`. */
  code: string;
  /** The PAHO Spanish description: "Hipertensión esencial (primaria)". */
  description: string;
}

interface Indexed extends Cie10Entry {
  /** The description's words, lower case, without accents: what a query word must begin. */
  words: string[];
  /** Position in the file. */
  order: number;
}

/** A letter, two characters, then up to two more, optionally after a dot: how a person writes a code. */
const CODE_LIKE = /^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,2})?$/;

/** Lower case, accents and ñ's tilde dropped: "Hipertensión" and "hipertension" are one word to a search. */
export function fold(s: string): string {
  const lower = s.toLowerCase();
  // Most words have no accent: skip the Unicode decomposition for them (it is most of the load time).
  return /[^\x00-\x7f]/.test(lower) ? lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : lower;
}

const wordsOf = (s: string) => fold(s).split(/[^a-z0-9\u00c0-\uffff]+/).filter(Boolean);

/** How a code is written without the dot and in upper case, or undefined if it cannot be a code at all. */
export function codeForm(input: string): string | undefined {
  const s = input.trim().toUpperCase();
  return CODE_LIKE.test(s) ? s.replace('.', '') : undefined;
}

/**
 * The WHO form used outside Peru (FHIR's http://hl7.org/fhir/sid/icd-10):
 * the dot after the category, no HIS `X` filler. I214 → I21.4, I10X → I10.
 */
export function whoCode(code: string): string {
  const c = code.replace('.', '');
  if (c.length === 4 && c.endsWith('X')) return c.slice(0, 3);
  return c.length > 3 ? `${c.slice(0, 3)}.${c.slice(3)}` : c;
}

export class Cie10 {
  private readonly byCode: Map<string, Indexed>;
  private readonly entries: Indexed[];

  private constructor(entries: Indexed[]) {
    this.entries = entries;
    this.byCode = new Map(entries.map((e) => [e.code, e]));
  }

  /** Parses the TSV (`code<TAB>description`, a header line first); a duplicate or malformed line is an error naming it. */
  static parse(tsv: string): Cie10 {
    const lines = tsv.split(/\r?\n/);
    if (lines[0] !== 'code\tdescription') throw new ChasquiError('CHASQUI_ERR_CONFIG', 'the ICD-10 file must start with the header "code<TAB>description"');
    const entries: Indexed[] = [];
    const seen = new Set<string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line) continue;
      const [code, description, extra] = line.split('\t');
      if (!code || !description || extra !== undefined || !CODE_LIKE.test(code) || code.includes('.')) {
        throw new ChasquiError('CHASQUI_ERR_CONFIG', `ICD-10 file line ${i + 1} is not "code<TAB>description": ${JSON.stringify(line.slice(0, 60))}`);
      }
      if (seen.has(code)) throw new ChasquiError('CHASQUI_ERR_CONFIG', `ICD-10 file line ${i + 1}: code ${code} appears twice`);
      seen.add(code);
      entries.push({ code, description, words: wordsOf(description), order: entries.length });
    }
    return new Cie10(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every code, in the file's order (chapters in sequence). */
  codes(): string[] {
    return this.entries.map((e) => e.code);
  }

  /**
   * The entry a typed code means, or undefined if the classification has no
   * such code (I1O with a letter O, Z999, I10.9). A bare category is its HIS
   * `X` form where the file has one: I10 and I48 are I10X and I48X.
   */
  lookup(input: string): Cie10Entry | undefined {
    const c = codeForm(input);
    if (!c) return undefined;
    const e = (c.length === 3 ? this.byCode.get(`${c}X`) : undefined) ?? this.byCode.get(c);
    return e && { code: e.code, description: e.description };
  }

  /**
   * What the specialist may mean by a query: the exact code first, then codes
   * that begin with it, then descriptions in which every query word begins a
   * word (accents and case ignored), the closest first.
   */
  search(query: string, limit = 20): Cie10Entry[] {
    const found = new Map<string, Indexed>();
    const take = (e: Indexed | undefined) => {
      if (e && found.size < limit && !found.has(e.code)) found.set(e.code, e);
    };
    const asCode = codeForm(query) ?? (/^[A-Za-z][0-9]?$/.test(query.trim()) ? query.trim().toUpperCase() : undefined);
    if (asCode) {
      const exact = this.lookup(asCode);
      if (exact) take(this.byCode.get(exact.code));
      for (const e of this.entries) {
        if (found.size >= limit) break;
        if (e.code.startsWith(asCode)) take(e);
      }
    }
    const q = wordsOf(query);
    if (q.length && found.size < limit) {
      const matches = this.entries.filter((e) => q.every((w) => e.words.some((x) => x.startsWith(w))));
      // Closest first: a description that begins with the first word, then a category before its subdivisions,
      // then the classification's own order (chapters in sequence).
      const rank = (e: Indexed) => (e.words[0]!.startsWith(q[0]!) ? 0 : 2) + (e.code.length === 3 || e.code.endsWith('X') ? 0 : 1);
      matches.sort((a, b) => rank(a) - rank(b) || a.order - b.order);
      for (const e of matches) {
        if (found.size >= limit) break;
        take(e);
      }
    }
    return [...found.values()].map((e) => ({ code: e.code, description: e.description }));
  }
}
