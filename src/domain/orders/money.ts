/** Currencies the API accepts: ISO 4217 codes whose minor unit has two digits. */
export const SUPPORTED_CURRENCIES = ["AUD", "CAD", "CHF", "EUR", "GBP", "USD"] as const;
export type Currency = (typeof SUPPORTED_CURRENCIES)[number];

export const isSupportedCurrency = (code: string): code is Currency =>
  (SUPPORTED_CURRENCIES as readonly string[]).includes(code);

/** The largest order total, in cents: PostgreSQL's and GraphQL's 32-bit `Int`. */
export const MAX_TOTAL_CENTS = 2 ** 31 - 1;

/** Formats minor units as a decimal string with exactly two fraction digits: 1234 → "12.34". */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer, got ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const digits = Math.abs(cents).toString().padStart(3, "0");
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** quantity × unit price, exact for every value the order rules allow (≤ 10^12 < 2^53). */
export const lineTotalCents = (quantity: number, unitPriceCents: number): number => quantity * unitPriceCents;
