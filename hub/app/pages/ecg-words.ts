/**
 * The words the ECG viewer (hub/app/public/ecg-viewer.js) writes on the page,
 * from the hub's catalogue in the reader's language, handed to it as JSON in
 * the mount's data-words: the script has no catalogue of its own.
 */
import type { Translate } from '../../../lib/web/i18n.js';

export function ecgViewerWords(t: Translate): string {
  return JSON.stringify({
    gain: t('ecg.gain'), speed: t('ecg.speed'), zoom: t('ecg.zoom'), calibrate: t('ecg.calibrate'),
    loading: t('ecg.loading'), loadFailed: t('ecg.loadFailed'), summary: t('ecg.summary'), record: t('ecg.record'),
    filters: t('ecg.filters'), derivedNote: t('ecg.derivedNote'), derived: t('ecg.derived'),
  });
}
