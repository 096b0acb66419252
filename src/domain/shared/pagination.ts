/**
 * Keyset pagination in the domain's terms. Adapters fetch one row more than asked to learn
 * whether more exist, in sort order when paginating forward and in reverse when backward, and
 * hand the rows to `toPage`, so every adapter pages the same way.
 */

export type SortDirection = "ASC" | "DESC";

export interface SortOrder<Field extends string> {
  readonly field: Field;
  readonly direction: SortDirection;
}

/** A row's position in a sort order: its sort value and its id, which breaks ties. */
export interface Keyset {
  readonly value: string | number;
  readonly id: string;
}

export interface PageRequest {
  /** How many rows the page holds at most. */
  readonly limit: number;
  /** `forward`: the first `limit` rows after `after`; `backward`: the last `limit` rows before `before`. */
  readonly direction: "forward" | "backward";
  /** Only rows strictly after this position. */
  readonly after?: Keyset;
  /** Only rows strictly before this position. */
  readonly before?: Keyset;
}

export interface Edge<T> {
  readonly node: T;
  /** The row's position, from which the API layer makes its cursor. */
  readonly key: Keyset;
}

export interface Page<T> {
  readonly edges: readonly Edge<T>[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/**
 * Turns up to `limit + 1` fetched edges into a page. `hasNextPage` is exact when paginating
 * forward and `hasPreviousPage` when paginating backward; the other flag reports whether a
 * cursor bounds the page on that side, as the Relay specification allows.
 */
export function toPage<T>(fetched: readonly Edge<T>[], request: PageRequest): Page<T> {
  const hasMore = fetched.length > request.limit;
  const edges = fetched.slice(0, request.limit);
  if (request.direction === "backward") {
    edges.reverse();
    return { edges, hasNextPage: request.before !== undefined, hasPreviousPage: hasMore };
  }
  return { edges, hasNextPage: hasMore, hasPreviousPage: request.after !== undefined };
}

/**
 * Compares two keysets in ascending order: by value, then by id. Text compares by Unicode code
 * point, as PostgreSQL's "C" collation does, not by UTF-16 code unit as JavaScript's `<` does.
 */
export function compareKeysets(a: Keyset, b: Keyset): number {
  return compareValues(a.value, b.value) || compareValues(a.id, b.id);
}

function compareValues(a: string | number, b: string | number): number {
  if (a === b) return 0;
  if (typeof a === "number" || typeof b === "number") return a < b ? -1 : 1;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Pages an in-memory list exactly as the SQL adapters do. Used by the in-memory fakes, and the
 * reference the adapters' contract tests compare against.
 */
export function pageInMemory<T>(
  rows: readonly T[],
  keyOf: (row: T) => Keyset,
  direction: SortDirection,
  request: PageRequest,
): Page<T> {
  const sign = direction === "ASC" ? 1 : -1;
  const inSortOrder = (a: Edge<T>, b: Edge<T>) => sign * compareKeysets(a.key, b.key);
  const { after, before } = request;
  const edges = rows
    .map((node) => ({ node, key: keyOf(node) }))
    .filter(({ key }) => after === undefined || sign * compareKeysets(key, after) > 0)
    .filter(({ key }) => before === undefined || sign * compareKeysets(key, before) < 0)
    .sort(inSortOrder);
  const fetched = request.direction === "forward" ? edges.slice(0, request.limit + 1) : edges.reverse().slice(0, request.limit + 1);
  return toPage(fetched, request);
}
