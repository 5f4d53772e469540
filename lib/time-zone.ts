/**
 * The region's time zone, one setting for the post and the hub
 * (`region.timeZone`): every time a person reads is shown in it, so the nurse,
 * the specialist, the access log and the printout agree on "09:30".
 */
export const DEFAULT_TIME_ZONE = 'America/Lima';

/** Whether the platform's ICU knows the zone by its IANA name ("America/Lima"), so a typo fails at start, not on a page. */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
