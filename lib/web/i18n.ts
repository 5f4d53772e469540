/**
 * Translations. Every string a person reads comes from a catalogue in the
 * app's locales folder (node/app/locales for the post, hub/app/locales for the
 * hub), one <lang>.json per language, so a translator adds Quechua (qu.json)
 * or Aymara without touching code: a file there is a language. Spanish is the
 * default and the fallback for a key a catalogue lacks. Keys are flat
 * ("patients.title"); `{name}` in a message is replaced by params.name.
 *
 * A key a catalogue lacks is never silent: each miss is recorded (`missing`)
 * and told to the listeners (the app logs it once), so a test that renders
 * pages fails on it instead of a nurse reading "inbox.type.seen".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export type Catalog = Record<string, string>;
export const DEFAULT_LANG = 'es';

/**
 * One miss: `fallback` when the language lacks the key but Spanish has it
 * (the person reads Spanish), `everywhere` when no catalogue has it (the
 * person would read the key itself).
 */
export type MissingKey = { key: string; lang: string; kind: 'fallback' | 'everywhere' };
export type MissingListener = (miss: MissingKey) => void;

export class I18n {
  readonly catalogs: ReadonlyMap<string, Catalog>;
  readonly #missing = new Map<string, MissingKey>();
  readonly #listeners: MissingListener[] = [];

  constructor(catalogs: Map<string, Catalog>) {
    if (!catalogs.has(DEFAULT_LANG)) throw new Error(`the ${DEFAULT_LANG} catalogue is missing`);
    this.catalogs = catalogs;
  }

  /** Reads every <lang>.json in dir; each app passes its own locales folder. */
  static load(dir: string): I18n {
    const catalogs = new Map<string, Catalog>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      catalogs.set(basename(f, '.json'), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Catalog);
    }
    return new I18n(catalogs);
  }

  get languages(): string[] {
    return [...this.catalogs.keys()].sort((a, b) => (a === DEFAULT_LANG ? -1 : b === DEFAULT_LANG ? 1 : a.localeCompare(b)));
  }

  /** Every distinct miss since start (or the last clearMissing), first seen first. */
  get missing(): MissingKey[] {
    return [...this.#missing.values()];
  }

  clearMissing(): void {
    this.#missing.clear();
  }

  /** Called once per distinct (lang, key) miss. */
  onMissing(listener: MissingListener): void {
    this.#listeners.push(listener);
  }

  /** The language to answer in: an explicit choice (cookie) if we have it, else the browser's first we have. */
  pick(chosen: string | undefined, acceptLanguage: string | undefined): string {
    if (chosen && this.catalogs.has(chosen)) return chosen;
    for (const part of (acceptLanguage ?? '').split(',')) {
      const lang = part.split(';')[0]!.trim().toLowerCase().split('-')[0]!;
      if (this.catalogs.has(lang)) return lang;
    }
    return DEFAULT_LANG;
  }

  translator(lang: string): Translate {
    const cat = this.catalogs.get(lang) ?? {};
    const fallback = this.catalogs.get(DEFAULT_LANG)!;
    const t = ((key: string, params?: Record<string, string | number>) => {
      let msg = cat[key];
      if (msg === undefined) {
        msg = fallback[key];
        this.#miss({ key, lang, kind: msg === undefined ? 'everywhere' : 'fallback' });
        msg ??= key;
      }
      return params ? msg.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : msg;
    }) as Translate;
    t.lang = lang;
    t.has = (key) => key in cat || key in fallback;
    return t;
  }

  #miss(m: MissingKey): void {
    const id = `${m.lang}\u0000${m.key}`;
    if (this.#missing.has(id)) return;
    this.#missing.set(id, m);
    for (const l of this.#listeners) l(m);
  }
}

export type Translate = ((key: string, params?: Record<string, string | number>) => string) & {
  lang: string;
  /** Whether a catalogue has the key, without counting a miss: for labels that fall back to a code on purpose. */
  has(key: string): boolean;
};
