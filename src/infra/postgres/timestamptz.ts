/**
 * PostgreSQL's text form of a timestamptz ("2025-01-31 12:00:00.123456+00"), as raw queries
 * return it, to a Date. Plain string edits instead of regular expressions: this runs for every
 * timestamp of every row read.
 */
export function timestamptzToDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  let iso = value.charCodeAt(10) === 32 ? `${value.slice(0, 10)}T${value.slice(11)}` : value;
  const sign = iso.charCodeAt(iso.length - 3);
  if (sign === 43 || sign === 45) iso += ":00"; // "+00" → "+00:00"
  return new Date(iso);
}
