/**
 * The hub's copy of the classification, read once (about 14,400 lines,
 * parsed in a few hundred milliseconds on a slow box) and kept in memory.
 * The index never changes once built, so every hub in one process (the
 * tests build dozens) shares it rather than parsing the file again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cie10 } from './cie10.js';

/** Beside this module's source: hub/terminology/cie10-es.tsv ships with the package (package.json "files"). */
export const CIE10_FILE = join(import.meta.dirname, '../../../hub/terminology/cie10-es.tsv');

const loaded = new Map<string, Cie10>();

export function loadCie10(path = CIE10_FILE): Cie10 {
  let index = loaded.get(path);
  if (!index) {
    index = Cie10.parse(readFileSync(path, 'utf8'));
    loaded.set(path, index);
  }
  return index;
}
