import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeysets, pageInMemory, toPage, type Edge, type Keyset, type SortDirection } from "../../src/domain/shared/pagination.ts";

interface Row {
  readonly id: string;
  readonly value: string | number;
}

const keyOf = (row: Row): Keyset => ({ value: row.value, id: row.id });
const ids = (edges: readonly Edge<Row>[]) => edges.map((edge) => edge.node.id);

/** The specified order, written independently: by value, ties by id, everything reversed for DESC. */
function sorted(rows: readonly Row[], direction: SortDirection): Row[] {
  const ascending = [...rows].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return direction === "ASC" ? ascending : ascending.reverse();
}

/** Rows with unique ids and few distinct sort values, so ties are common; all numbers or all strings. */
const rowsArbitrary = fc.oneof(
  fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), value: fc.integer({ min: 0, max: 4 }) }), { selector: (r) => r.id, maxLength: 40 }),
  fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), value: fc.constantFrom("", "a", "ab", "b", "B") }), { selector: (r) => r.id, maxLength: 40 }),
);
const directionArbitrary = fc.constantFrom<SortDirection>("ASC", "DESC");
const pageSizeArbitrary = fc.integer({ min: 1, max: 10 });

const rows: Row[] = [
  { id: "d", value: 2 },
  { id: "a", value: 1 },
  { id: "c", value: 2 },
  { id: "b", value: 3 },
  { id: "e", value: 1 },
];

describe("compareKeysets", () => {
  it("orders by value first, then by id", () => {
    expect(compareKeysets({ value: 1, id: "z" }, { value: 2, id: "a" })).toBeLessThan(0);
    expect(compareKeysets({ value: 2, id: "a" }, { value: 2, id: "b" })).toBeLessThan(0);
    expect(compareKeysets({ value: "b", id: "a" }, { value: "a", id: "b" })).toBeGreaterThan(0);
    expect(compareKeysets({ value: 2, id: "a" }, { value: 2, id: "a" })).toBe(0);
  });
});

describe("pageInMemory by example", () => {
  it("returns the first rows in ascending order, ties broken by id", () => {
    const page = pageInMemory(rows, keyOf, "ASC", { limit: 3, direction: "forward" });
    expect(ids(page.edges)).toEqual(["a", "e", "c"]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
  });

  it("reverses ties too when sorting descending", () => {
    const page = pageInMemory(rows, keyOf, "DESC", { limit: 10, direction: "forward" });
    expect(ids(page.edges)).toEqual(["b", "d", "c", "e", "a"]);
    expect(page.hasNextPage).toBe(false);
  });

  it("continues strictly after the cursor, even inside a run of equal values", () => {
    const page = pageInMemory(rows, keyOf, "ASC", { limit: 2, direction: "forward", after: { value: 1, id: "e" } });
    expect(ids(page.edges)).toEqual(["c", "d"]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(true);
  });

  it("returns the last rows before the cursor, still in sort order, when paginating backward", () => {
    const page = pageInMemory(rows, keyOf, "ASC", { limit: 2, direction: "backward", before: { value: 2, id: "d" } });
    expect(ids(page.edges)).toEqual(["e", "c"]);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.hasNextPage).toBe(true);
  });

  it("returns the very last rows when paginating backward without a cursor", () => {
    const page = pageInMemory(rows, keyOf, "DESC", { limit: 2, direction: "backward" });
    expect(ids(page.edges)).toEqual(["e", "a"]);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.hasNextPage).toBe(false);
  });

  it("honours after and before together", () => {
    const page = pageInMemory(rows, keyOf, "ASC", { limit: 10, direction: "forward", after: { value: 1, id: "a" }, before: { value: 3, id: "b" } });
    expect(ids(page.edges)).toEqual(["e", "c", "d"]);
    expect(page.hasNextPage).toBe(false);
  });

  it("pages an empty list as an empty page with no neighbours", () => {
    for (const direction of ["forward", "backward"] as const) {
      expect(pageInMemory([], keyOf, "ASC", { limit: 5, direction })).toEqual({ edges: [], hasNextPage: false, hasPreviousPage: false });
    }
  });

  it("does not reorder the rows it is given", () => {
    const given = [...rows];
    pageInMemory(given, keyOf, "DESC", { limit: 2, direction: "backward" });
    expect(given).toEqual(rows);
  });
});

describe("a page of size 0", () => {
  it("is empty and says whether rows exist in the walking direction", () => {
    fc.assert(
      fc.property(rowsArbitrary, directionArbitrary, (all, direction) => {
        const forward = pageInMemory(all, keyOf, direction, { limit: 0, direction: "forward" });
        expect(forward.edges).toEqual([]);
        expect(forward.hasNextPage).toBe(all.length > 0);
        const backward = pageInMemory(all, keyOf, direction, { limit: 0, direction: "backward" });
        expect(backward.edges).toEqual([]);
        expect(backward.hasPreviousPage).toBe(all.length > 0);
      }),
    );
  });
});

describe("walking every page", () => {
  it("forward with after = the last edge's key yields every row exactly once, in sort order, with an exact hasNextPage", () => {
    fc.assert(
      fc.property(rowsArbitrary, directionArbitrary, pageSizeArbitrary, (all, direction, size) => {
        const expected = sorted(all, direction).map((r) => r.id);
        const seen: string[] = [];
        let after: Keyset | undefined;
        for (;;) {
          const page = pageInMemory(all, keyOf, direction, { limit: size, direction: "forward", ...(after && { after }) });
          expect(page.edges.length).toBe(Math.min(size, expected.length - seen.length));
          seen.push(...ids(page.edges));
          expect(page.hasNextPage).toBe(seen.length < expected.length);
          expect(page.edges.every((edge) => compareKeysets(edge.key, keyOf(edge.node)) === 0)).toBe(true);
          const last = page.edges.at(-1);
          if (!page.hasNextPage || !last) break;
          after = last.key;
        }
        expect(seen).toEqual(expected);
      }),
    );
  });

  it("backward with before = the first edge's key yields every row exactly once, in sort order, with an exact hasPreviousPage", () => {
    fc.assert(
      fc.property(rowsArbitrary, directionArbitrary, pageSizeArbitrary, (all, direction, size) => {
        const expected = sorted(all, direction).map((r) => r.id);
        let seen: string[] = [];
        let before: Keyset | undefined;
        for (;;) {
          const page = pageInMemory(all, keyOf, direction, { limit: size, direction: "backward", ...(before && { before }) });
          expect(page.edges.length).toBe(Math.min(size, expected.length - seen.length));
          seen = [...ids(page.edges), ...seen];
          expect(page.hasPreviousPage).toBe(seen.length < expected.length);
          const first = page.edges[0];
          if (!page.hasPreviousPage || !first) break;
          before = first.key;
        }
        expect(seen).toEqual(expected);
      }),
    );
  });

  it("reports on the other side only whether a cursor bounds the page", () => {
    fc.assert(
      fc.property(rowsArbitrary, directionArbitrary, pageSizeArbitrary, (all, direction, size) => {
        fc.pre(all.length > 0);
        const key = keyOf(sorted(all, direction)[0] as Row);
        expect(pageInMemory(all, keyOf, direction, { limit: size, direction: "forward" }).hasPreviousPage).toBe(false);
        expect(pageInMemory(all, keyOf, direction, { limit: size, direction: "forward", after: key }).hasPreviousPage).toBe(true);
        expect(pageInMemory(all, keyOf, direction, { limit: size, direction: "backward" }).hasNextPage).toBe(false);
        expect(pageInMemory(all, keyOf, direction, { limit: size, direction: "backward", before: key }).hasNextPage).toBe(true);
      }),
    );
  });
});

describe("toPage", () => {
  const edge = (id: string): Edge<Row> => ({ node: { id, value: 0 }, key: { value: 0, id } });

  it("drops the extra row fetched forward and reports a next page", () => {
    const page = toPage([edge("a"), edge("b"), edge("c")], { limit: 2, direction: "forward" });
    expect(ids(page.edges)).toEqual(["a", "b"]);
    expect(page.hasNextPage).toBe(true);
  });

  it("reports no next page when no extra row was fetched", () => {
    expect(toPage([edge("a"), edge("b")], { limit: 2, direction: "forward" }).hasNextPage).toBe(false);
  });

  it("turns rows fetched in reverse back into sort order when paginating backward", () => {
    const page = toPage([edge("c"), edge("b"), edge("a")], { limit: 2, direction: "backward", before: { value: 0, id: "d" } });
    expect(ids(page.edges)).toEqual(["b", "c"]);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.hasNextPage).toBe(true);
  });

  it("does not modify the fetched list", () => {
    const fetched = [edge("c"), edge("b")];
    toPage(fetched, { limit: 2, direction: "backward" });
    expect(ids(fetched)).toEqual(["c", "b"]);
  });
});
