/**
 * SQL pieces for keyset pagination, shared by the read paths of both repositories. Column and
 * direction names come from fixed maps, never from input; values are always bind parameters.
 */
import { sql, type RawBuilder } from "kysely";
import type { PageRequest, SortDirection } from "../../domain/shared/pagination.ts";

export interface SortColumn {
  /** The column as it appears in SELECT, ORDER BY and comparisons, e.g. `created_at`. */
  readonly expression: string;
  /** How a cursor's value is cast back to the column's type. */
  readonly cast: string;
  /** A collation, for text columns: "C" orders by code point, the same on every database. */
  readonly collate?: string;
}

const operand = (column: SortColumn) => (column.collate ? `${column.expression} collate "${column.collate}"` : column.expression);

/** `ORDER BY` for the direction the rows are fetched in (reversed when paginating backward). */
export function orderBy(column: SortColumn, direction: SortDirection, page: PageRequest): RawBuilder<unknown> {
  const fetchDirection = page.direction === "backward" ? (direction === "ASC" ? "desc" : "asc") : direction === "ASC" ? "asc" : "desc";
  return sql.raw(`order by ${operand(column)} ${fetchDirection}, id ${fetchDirection}`);
}

/** The `after`/`before` bounds of a page as WHERE conditions. */
export function keysetConditions(column: SortColumn, direction: SortDirection, page: PageRequest): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const left = sql.raw(`(${operand(column)}, id)`);
  const value = (v: string | number) => (column.collate ? sql`(${v}::${sql.raw(column.cast)} collate ${sql.raw(`"${column.collate}"`)})` : sql`${v}::${sql.raw(column.cast)}`);
  const [afterOp, beforeOp] = direction === "ASC" ? [">", "<"] : ["<", ">"];
  if (page.after) conditions.push(sql`${left} ${sql.raw(afterOp)} (${value(page.after.value)}, ${page.after.id}::uuid)`);
  if (page.before) conditions.push(sql`${left} ${sql.raw(beforeOp)} (${value(page.before.value)}, ${page.before.id}::uuid)`);
  return conditions;
}

export const where = (conditions: RawBuilder<unknown>[]): RawBuilder<unknown> =>
  conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);

/** Escapes `%`, `_` and the escape character itself, so the text matches literally in LIKE. */
export const likeLiteral = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
