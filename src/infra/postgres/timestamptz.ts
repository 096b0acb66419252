/**
 * PostgreSQL's text form of a timestamptz ("2025-01-31 12:00:00.123456+00"), as raw queries
 * return it, to a Date. This runs for every timestamp of every row read, so the form our UTC
 * sessions send is read digit by digit (a Date keeps milliseconds: further digits are dropped,
 * as Date's own parser drops them); anything else goes through Date's parser.
 */
export function timestamptzToDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  const length = value.length;
  // "YYYY-MM-DD HH:MM:SS+00" or with ".f" to ".ffffff" before "+00".
  if (length >= 22 && length <= 29 && value.charCodeAt(10) === 32 && value.charCodeAt(length - 3) === 43 && value.charCodeAt(length - 2) === 48 && value.charCodeAt(length - 1) === 48) {
    const digit = (at: number) => value.charCodeAt(at) - 48;
    const two = (at: number) => digit(at) * 10 + digit(at + 1);
    let milliseconds = 0;
    if (length > 22) {
      // ".f…" between the seconds and the offset: the first three digits, padded.
      for (let at = 20, scale = 100; at < Math.min(23, length - 3); at++, scale /= 10) milliseconds += digit(at) * scale;
    }
    const time = Date.UTC(digit(0) * 1000 + digit(1) * 100 + two(2), two(5) - 1, two(8), two(11), two(14), two(17), milliseconds);
    if (!Number.isNaN(time) && digit(0) > 0) return new Date(time);
  }
  let iso = value.charCodeAt(10) === 32 ? `${value.slice(0, 10)}T${value.slice(11)}` : value;
  // Offsets with seconds ("+00:19:32", historical zones) are not ISO: apply them by hand.
  const withSeconds = /([+-])(\d{2}):(\d{2}):(\d{2})$/.exec(iso);
  if (withSeconds) {
    const [suffix, sign, hours, minutes, seconds] = withSeconds as unknown as [string, string, string, string, string];
    const offsetMs = (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 * (sign === "-" ? -1 : 1);
    return new Date(new Date(`${iso.slice(0, -suffix.length)}Z`).getTime() - offsetMs);
  }
  const sign = iso.charCodeAt(iso.length - 3);
  if (sign === 43 || sign === 45) iso += ":00"; // "+00" → "+00:00"
  return new Date(iso);
}
