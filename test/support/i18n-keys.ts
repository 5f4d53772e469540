/**
 * What the locale tests look for. In source: the keys each translator call
 * names, literal ("inbox.title") or built ("inbox.type.${m.type}", kept as
 * the pattern "inbox.type.*"). In a rendered page: text a person would read
 * that looks like a key rather than words.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MissingKey } from '../../lib/web/i18n.js';
import { REPO_ROOT } from './paths.js';

export type KeyUse = { key: string; file: string };

export function sourceFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of dirs) walk(join(REPO_ROOT, d));
  return out.sort();
}

/** The text of the first argument of a call whose "(" is at `open`: up to its top-level comma or closing paren. */
function firstArgument(src: string, open: number): string {
  let depth = 0;
  let i = open + 1;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"' || c === '`') i = skipString(src, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
  }
  return src.slice(open + 1, i);
}

/** The index of a string's closing quote; a template's ${…} may hold strings of its own. */
function skipString(src: string, start: number): number {
  const q = src[start]!;
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') i++;
    else if (c === q) return i;
    else if (q === '`' && c === '$' && src[i + 1] === '{') {
      let depth = 1;
      for (i += 2; i < src.length && depth; i++) {
        if (src[i] === '{') depth++;
        else if (src[i] === '}') depth--;
        else if (src[i] === "'" || src[i] === '"' || src[i] === '`') i = skipString(src, i);
      }
      i--;
    }
  }
  return src.length;
}

/** Top-level string literals in an expression, templates with their ${…} as "*". */
function literals(expr: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c !== "'" && c !== '"' && c !== '`') continue;
    const end = skipString(expr, i);
    const body = expr.slice(i + 1, end);
    out.push(c === '`' ? body.replace(/\$\{[\s\S]*?\}/g, '*') : body);
    i = end;
  }
  return out;
}

const KEYLIKE = /^[a-z][a-zA-Z0-9]*(\.([a-zA-Z0-9_]+|\*))+$/;

/**
 * Every key a translator call or a navigation entry names: `t('…')`,
 * `req.t(\`…${x}\`)`, `t(cond ? 'a.b' : 'c.d')`, `{ key: 'nav.x' }`.
 */
export function keysUsed(files: string[]): KeyUse[] {
  const out: KeyUse[] = [];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const file = relative(REPO_ROOT, f);
    for (const m of src.matchAll(/(?<![\w$])t\(/g)) {
      for (const key of literals(firstArgument(src, m.index + 1))) if (KEYLIKE.test(key)) out.push({ key, file });
    }
    for (const m of src.matchAll(/\bkey: '([^']+)'/g)) if (KEYLIKE.test(m[1]!)) out.push({ key: m[1]!, file });
  }
  return out;
}

/** Printable lines for a failure message: which key, which language, whether Spanish stood in. */
export function describeMisses(misses: MissingKey[]): string {
  return misses.map((m) => `${m.lang}: ${m.key} (${m.kind === 'everywhere' ? 'in no catalogue: the page shows the key' : 'only in es: the page shows Spanish'})`).join('\n');
}

/**
 * Text a person reads on a page that looks like a translation key
 * ("inbox.type.seen", "cases.state.sent"): tags, attributes, scripts, styles
 * and code blocks removed first, so URLs, file names in links and JSON in
 * the access log's detail column are not taken for keys.
 */
export function rawKeysIn(page: string, knownKeys: ReadonlySet<string>): string[] {
  const text = page
    .replace(/<(script|style|code|svg)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ');
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![\w./@-])([a-z][a-zA-Z]*(?:\.[a-zA-Z][a-zA-Z0-9]*)+)(?![\w/@-]|\.[a-zA-Z])/g)) {
    const word = m[1]!;
    // A key is ours when its first part is a namespace of the catalogue: "Dra." or "e.g." are words.
    const ns = word.split('.')[0]!;
    if (knownKeys.has(word) || [...knownKeys].some((k) => k.startsWith(`${ns}.`))) found.add(word);
  }
  return [...found];
}
