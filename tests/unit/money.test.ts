import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCents, isSupportedCurrency, lineTotalCents, MAX_TOTAL_CENTS, SUPPORTED_CURRENCIES } from "../../src/domain/orders/money.ts";

describe("formatCents", () => {
  it.each([
    [0, "0.00"],
    [1, "0.01"],
    [9, "0.09"],
    [10, "0.10"],
    [99, "0.99"],
    [100, "1.00"],
    [1234, "12.34"],
    [100_000_000, "1000000.00"],
    [MAX_TOTAL_CENTS, "21474836.47"],
    [Number.MAX_SAFE_INTEGER, "90071992547409.91"],
  ])("formats %d cents as %s", (cents, expected) => {
    expect(formatCents(cents)).toBe(expected);
  });

  it("puts the minus sign before the whole amount for negative cents", () => {
    expect(formatCents(-5)).toBe("-0.05");
    expect(formatCents(-1234)).toBe("-12.34");
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses %d, which is not a safe integer", (cents) => {
    expect(() => formatCents(cents)).toThrow(RangeError);
  });

  it("always prints digits, a dot and exactly two fraction digits for non-negative safe integers", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (cents) => {
        expect(formatCents(cents)).toMatch(/^\d+\.\d{2}$/);
      }),
    );
  });

  it("prints an amount that parses back to the same number of cents", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (cents) => {
        expect(Number(formatCents(cents).replace(".", ""))).toBe(cents);
      }),
    );
  });

  it("never prints a leading zero before a non-zero whole part", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (cents) => {
        expect(formatCents(cents)).not.toMatch(/^0\d/);
      }),
    );
  });

  it("formats a negative amount as the positive one with a minus sign", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (cents) => {
        expect(formatCents(-cents)).toBe(`-${formatCents(cents)}`);
      }),
    );
  });
});

describe("currencies", () => {
  it("supports USD, EUR and GBP among others", () => {
    for (const code of ["USD", "EUR", "GBP"]) expect(isSupportedCurrency(code)).toBe(true);
  });

  it("supports only upper-case three-letter codes as stored (normalizing is the order rules' job)", () => {
    expect(isSupportedCurrency("usd")).toBe(false);
    expect(isSupportedCurrency(" USD")).toBe(false);
    expect(isSupportedCurrency("JPY")).toBe(false);
    expect(isSupportedCurrency("")).toBe(false);
    for (const code of SUPPORTED_CURRENCIES) expect(code).toMatch(/^[A-Z]{3}$/);
  });
});

describe("lineTotalCents", () => {
  it("is quantity times unit price, exact even at the largest allowed line", () => {
    expect(lineTotalCents(3, 250)).toBe(750);
    expect(lineTotalCents(10_000, 100_000_000)).toBe(1_000_000_000_000);
  });
});
