import { PAGE_SIZE } from "./connection.ts";

/**
 * The only arguments a price reads (`ids`: `nodes(ids:)` in builder.ts; `representations`:
 * the federation subgraph's `_entities`). An operation's cost depends on its variables only through
 * these (and @include/@skip), so its verdict is cached per document and their values; a price
 * that reads another argument must add it here.
 */
export const PRICED_ARGUMENTS: ReadonlySet<string> = new Set(["first", "last", "ids", "representations"]);

/** A connection returns up to `first` (or `last`, default 20) rows of what is under it. */
export const connectionCost = (args: { first?: number | null; last?: number | null }) => ({
  field: 1,
  multiplier: Math.max(args.first ?? args.last ?? PAGE_SIZE.default, 1),
});

/** Items per order are priced at this many: real orders have a few, the ceiling is 100. */
export const ITEMS_PER_ORDER_COST = 10;

/** `_entities` returns one object per representation, as `nodes(ids:)` does per id. */
export const entitiesCost = (args: { representations?: readonly unknown[] | null }) => ({
  field: 1,
  multiplier: Math.max(args.representations?.length ?? 0, 1),
});
