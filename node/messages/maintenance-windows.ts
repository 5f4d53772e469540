/**
 * The hub operator's maintenance notices the nurse still needs to know
 * about: windows not yet over, soonest first, one line per window even if the
 * operator sent it twice. Each stored notice is checked again, so a row that
 * is not a well-formed notice (an older version's, a hand-edited one) is
 * left out rather than shown.
 */
import { checkHubNotice, type MaintenanceNotice } from '../../protocol/hub-notices.js';

export function maintenanceAhead(stored: ReadonlyArray<{ body: unknown }>, now: number): MaintenanceNotice[] {
  const windows = new Map<string, MaintenanceNotice>();
  for (const { body } of stored) {
    let n;
    try {
      n = checkHubNotice(body);
    } catch {
      continue;
    }
    if (n.type !== 'maintenance' || Date.parse(n.endsAt) <= now) continue;
    windows.set(`${n.startsAt}|${n.endsAt}|${n.reason}`, n);
  }
  return [...windows.values()].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
}
