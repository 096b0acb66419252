/** PostgreSQL's timestamptz text to Date: the fast path agrees with Date's own parser everywhere. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { timestamptzToDate } from "../../src/infra/postgres/timestamptz.ts";

/** How a UTC session prints a timestamptz, with 0 to 6 fraction digits (trailing zeros dropped, as PostgreSQL does). */
const postgresText = (date: Date, micros: number) => {
  const iso = date.toISOString(); // 2025-01-31T12:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""}+00`;
};
const slow = (text: string) => new Date(`${text.slice(0, 10)}T${text.slice(11)}:00`);

describe("timestamptzToDate", () => {
  it("reads what PostgreSQL sends exactly as Date's parser does, to the millisecond", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }), (date, micros) => {
        const text = postgresText(date, micros);
        expect(timestamptzToDate(text).getTime()).toBe(slow(text).getTime());
        expect(timestamptzToDate(text).getTime()).toBe(date.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves other forms to Date's parser: other offsets, years before 1000, Dates", () => {
    expect(timestamptzToDate("2025-01-31 12:00:00.5+02").toISOString()).toBe("2025-01-31T10:00:00.500Z");
    expect(timestamptzToDate("2025-01-31 12:00:00-05:30").toISOString()).toBe("2025-01-31T17:30:00.000Z");
    expect(timestamptzToDate("0999-01-31 12:00:00+00").toISOString()).toBe("0999-01-31T12:00:00.000Z");
    // A historical offset with seconds (Europe/Amsterdam before 1937).
    expect(timestamptzToDate("1937-06-01 13:19:32+01:19:32").toISOString()).toBe("1937-06-01T12:00:00.000Z");
    expect(timestamptzToDate("1900-01-01 00:19:32.000001+00:19:32").toISOString()).toBe("1900-01-01T00:00:00.000Z");
    const now = new Date();
    expect(timestamptzToDate(now)).toBe(now);
  });
});
