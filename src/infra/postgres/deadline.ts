/**
 * The time by which the current operation must be done, carried with the async context so the
 * database layer can honour it without every repository call passing a signal: a statement is
 * not sent once the deadline has passed, one in flight at the deadline is cancelled, and a wait
 * for a pool connection ends at the deadline.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with a deadline `timeoutMs` from now (epoch ms); nested calls keep the earlier one. */
export function withDeadline<T>(timeoutMs: number, work: () => T): T {
  const at = Date.now() + timeoutMs;
  const outer = deadlines.getStore();
  return deadlines.run(outer !== undefined && outer < at ? outer : at, work);
}

/** The current operation's deadline (epoch ms), if it has one. */
export const currentDeadline = (): number | undefined => deadlines.getStore();

/** Runs `work` outside any operation's deadline (background work started on a request's behalf). */
export const withoutDeadline = <T>(work: () => T): T => deadlines.exit(work);
