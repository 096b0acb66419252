import type { Keyset, Page, PageRequest, SortOrder } from "../domain/shared/pagination.ts";
import { isUuid } from "../domain/shared/ids.ts";
import { badUserInput } from "./bad-user-input.ts";
import { builder } from "./builder.ts";

export const PAGE_SIZE = { default: 20, max: 100 } as const;

export const SortDirectionEnum = builder.enumType("SortDirection", { values: ["ASC", "DESC"] as const });

/** What a sort field's cursor values are, so a tampered cursor is rejected before it reaches SQL. */
export type CursorValueKind = "timestamp" | "integer" | "text";

export interface CursorScope {
  /** The connection's node type, e.g. "User": a cursor works only for the connection it came from. */
  readonly typename: string;
  readonly sort: SortOrder<string>;
  readonly kind: CursorValueKind;
}

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * Cursors are opaque to clients: base64url of [scope, sort value, id]. They are bound to the
 * node type and sort order they were made for; using one elsewhere is a BAD_USER_INPUT error.
 */
export function encodeCursor(scope: CursorScope, key: Keyset): string {
  return Buffer.from(JSON.stringify([scopeTag(scope), key.value, key.id]), "utf8").toString("base64url");
}

export function decodeCursor(scope: CursorScope, cursor: string, argument: "after" | "before"): Keyset {
  const decoded = parseCursor(cursor);
  if (decoded && decoded[0] !== scopeTag(scope)) {
    throw badUserInput(
      `\`${argument}\` is a cursor for a different connection or sort order; cursors only work with the orderBy they were returned for (${scope.typename} by ${scope.sort.field} ${scope.sort.direction}).`,
      argument,
    );
  }
  if (!decoded || !validValue(scope.kind, decoded[1]) || !isUuid(decoded[2])) {
    throw badUserInput(`\`${argument}\` is not a valid cursor; pass a \`cursor\` or \`pageInfo\` cursor returned by this connection.`, argument);
  }
  return { value: decoded[1], id: decoded[2] };
}

/** Validates first/last/after/before and turns them into the domain's page request. */
export function toPageRequest(args: ConnectionArgs, scope: CursorScope): PageRequest {
  const { first, last } = args;
  if (first != null && last != null) throw badUserInput("Pass either `first` or `last`, not both.", "first");
  for (const [name, value] of [["first", first], ["last", last]] as const) {
    if (value != null && (value < 0 || value > PAGE_SIZE.max)) {
      throw badUserInput(`\`${name}\` must be between 0 and ${PAGE_SIZE.max}; got ${value}.`, name);
    }
  }
  const after = args.after == null ? undefined : decodeCursor(scope, args.after, "after");
  const before = args.before == null ? undefined : decodeCursor(scope, args.before, "before");
  const direction = last != null ? "backward" : "forward";
  return { limit: first ?? last ?? PAGE_SIZE.default, direction, ...(after && { after }), ...(before && { before }) };
}

/** An edge whose cursor is encoded only if a client selects it (most pages never ask). */
class Edge<T> {
  readonly node: T;
  readonly #scope: CursorScope;
  readonly #key: Keyset;
  #cursor: string | undefined;
  constructor(scope: CursorScope, key: Keyset, node: T) {
    this.#scope = scope;
    this.#key = key;
    this.node = node;
  }
  get cursor(): string {
    return (this.#cursor ??= encodeCursor(this.#scope, this.#key));
  }
}

/**
 * A page's `pageInfo`, its cursors encoded only if a client selects them. A class, like `Edge`,
 * and not an object literal with getters: V8 allocates each getter/setter pair an object has of
 * its own in the old generation, and from there the getters would keep the whole page (its edges
 * and rows) alive through every young-generation collection until the next full one
 * (docs/decisions.md, "No getters of their own on per-request objects").
 */
class PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly #edges: readonly { readonly cursor: string }[];
  constructor(edges: readonly { readonly cursor: string }[], hasNextPage: boolean, hasPreviousPage: boolean) {
    this.#edges = edges;
    this.hasNextPage = hasNextPage;
    this.hasPreviousPage = hasPreviousPage;
  }
  get startCursor(): string | null {
    return this.#edges[0]?.cursor ?? null;
  }
  get endCursor(): string | null {
    return this.#edges.at(-1)?.cursor ?? null;
  }
}

/** The shape Pothos connections resolve to, with cursors and `totalCount` computed only when selected. */
export function toConnection<T>(page: Page<T>, scope: CursorScope, totalCount: () => Promise<number>) {
  const edges = page.edges.map((edge) => new Edge(scope, edge.key, edge.node));
  return { edges, pageInfo: new PageInfo(edges, page.hasNextPage, page.hasPreviousPage), totalCount };
}

const scopeTag = (scope: CursorScope) => `${scope.typename}:${scope.sort.field}:${scope.sort.direction}`;

function parseCursor(cursor: string): [string, string | number, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 3 && typeof value[0] === "string" && typeof value[2] === "string") {
      return value as [string, string | number, string];
    }
  } catch {
    // not base64url JSON: reported below as not a valid cursor
  }
  return null;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * A timestamp PostgreSQL accepts as it is: a real calendar date in years 1–9999 (so no
 * 2024-02-30 rolled over into March, no year 0), a time of day without leap seconds, and an
 * offset within PostgreSQL's ±15:59.
 */
function validTimestamp(value: string): boolean {
  const parts = TIMESTAMP.exec(value);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  const realDate = year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  const offsetOk = parts[8] === "Z" || (Number(parts[10]) <= 15 && Number(parts[11] ?? 0) <= 59);
  return realDate && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

function validValue(kind: CursorValueKind, value: unknown): value is string | number {
  switch (kind) {
    case "timestamp":
      return typeof value === "string" && validTimestamp(value);
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "text":
      // PostgreSQL text cannot hold NUL; a lone surrogate is not text at all.
      return typeof value === "string" && value.length <= 1000 && !value.includes("\u0000") && value.isWellFormed();
  }
}
