/**
 * The hub's copy of the classification, read once at build time (about
 * 14,400 lines, parsed in tens of milliseconds) and kept in memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cie10 } from './cie10.js';

/** Beside this module's source: hub/terminology/cie10-es.tsv ships with the package (package.json "files"). */
export const CIE10_FILE = join(import.meta.dirname, '../../../hub/terminology/cie10-es.tsv');

export function loadCie10(path = CIE10_FILE): Cie10 {
  return Cie10.parse(readFileSync(path, 'utf8'));
}
