/**
 * A recording made an hour before the test runs, whole seconds, as a file
 * header writes it. Files the tests build themselves carry this instead of a
 * fixed date, so no test ages; the parts are UTC, and the decoders give the
 * header's wall time back as `YYYY-MM-DDTHH:MM:SS`.
 */
export function anHourAgo(now = Date.now()): { date: Date; wall: string } {
  const date = new Date(Math.floor(now / 1000) * 1000 - 3_600_000);
  return { date, wall: date.toISOString().slice(0, 19) };
}
