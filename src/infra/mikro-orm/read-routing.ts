/**
 * Which server a read runs on, when the database has streaming replicas (MikroORM's `replicas`,
 * configured by DATABASE_REPLICA_URLS).
 *
 * - A query's reads go to a replica, taken in turn. Everything else reads the primary: a
 *   mutation and its answer (so a client always sees its own write), subscriptions and their
 *   events, the outbox and its relay, idempotency checks, anything inside a transaction. The
 *   request decides which (`ReadConsistency`, set per operation in context.ts), the repositories
 *   only ask.
 * - A replica that cannot be reached (connection refused or lost, the server shutting down or
 *   in recovery, no answer), found so by a read or by its own check once a second
 *   (postgres/replica-watch.ts), is skipped, logged once when it goes and once when it is back,
 *   and the read that found it so runs on the primary: a replica outage costs a client nothing.
 *   After `retryAfterMs` one read tries it again; the rest wait for that one's answer on the
 *   primary. Errors of the read itself (a bad cursor, a cancelled statement) are not the
 *   replica's fault and are thrown as they are.
 */
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { QueryExecutorProvider } from "kysely";
import type { Logger } from "../../observability/logger.ts";
import { safeError } from "../../observability/safe-error.ts";
import { classifyDatabaseFailure, DATABASE_NOT_ANSWERING } from "../postgres/failures.ts";
import { replicaName } from "./orm.ts";
import type { OrdergraphPostgreSqlDriver } from "./postgresql-driver.ts";

/** Where a request's reads may go: a replica (may lag the primary a little) or the primary. */
export type ReadConsistency = "primary" | "replica";

/** Runs one read on (a Kysely instance of) the server the routing chose. */
export type Reads = <T>(read: (db: QueryExecutorProvider) => Promise<T>) => Promise<T>;

/** Reads on `em` itself: inside its transaction when it has one, else on the primary. */
export const primaryReads =
  (em: EntityManager): Reads =>
  (read) =>
    read(em.getKysely());

export interface ReplicaState {
  readonly name: string;
  /** Whether reads go to it now (false while it is skipped as unreachable). */
  readonly up: boolean;
}

export interface ReadRouting {
  /** The reads of one request on `em`: on a replica while `consistency()` says so and one is up, else on the primary. */
  reads(em: EntityManager, consistency: () => ReadConsistency): Reads;
  /** Each replica and whether it takes reads now. */
  replicas(): readonly ReplicaState[];
  /**
   * The replica's own check found it not answering: skip it now. True when it was taking reads
   * until now (its connections are then worth abandoning, so their reads retry on the primary).
   */
  unreachable(name: string, error: unknown): boolean;
}

export interface ReadRoutingOptions {
  readonly logger: Logger;
  /** Called after each read routed here with the server that answered it ("primary", "replica-1", …). */
  readonly onRead?: (server: string) => void;
  /** How long an unreachable replica is skipped before reads try it again. @default 5000 */
  readonly retryAfterMs?: number;
}

export function createReadRouting(orm: MikroORM, { logger, onRead = () => {}, retryAfterMs = 5000 }: ReadRoutingOptions): ReadRouting {
  const replicas = (orm.em.getDriver() as unknown as OrdergraphPostgreSqlDriver).replicaConnections().map((connection, index) => ({
    name: replicaName(index),
    db: (): QueryExecutorProvider => connection.getClient(),
    /** up: takes reads; down: skipped until `retryAt`; probing: one read is finding out whether it is back. */
    state: "up",
    retryAt: 0,
  }));
  type Replica = (typeof replicas)[number];
  let turn = 0;

  // In turn among those up; a replica skipped long enough gets one read to find out whether it
  // is back (everything else keeps going to the primary until that read succeeds).
  const next = (): Replica | undefined => {
    const now = Date.now();
    for (let tried = 0; tried < replicas.length; tried++) {
      const replica = replicas[turn++ % replicas.length]!;
      if (replica.state === "up") return replica;
      if (replica.state === "down" && replica.retryAt <= now) {
        replica.state = "probing";
        return replica;
      }
    }
    return undefined;
  };
  const wentDown = (replica: Replica, error: unknown): boolean => {
    const was = replica.state;
    replica.state = "down";
    replica.retryAt = Date.now() + retryAfterMs;
    if (was !== "up") return false;
    logger.warn({ replica: replica.name, err: safeError(error), retryInMs: retryAfterMs }, `database replica ${replica.name} is unreachable: its reads go to the primary until it answers again`);
    return true;
  };
  const answered = (replica: Replica) => {
    if (replica.state === "up") return;
    replica.state = "up";
    logger.info({ replica: replica.name }, `database replica ${replica.name} answers again: reads go to it`);
  };
  const onPrimary = async <T>(em: EntityManager, read: (db: QueryExecutorProvider) => Promise<T>) => {
    const result = await read(em.getKysely());
    onRead("primary");
    return result;
  };

  return {
    reads(em, consistency) {
      return async (read) => {
        // A transaction's reads stay in it; on the primary, by definition.
        if (replicas.length === 0 || consistency() === "primary" || em.getTransactionContext()) return onPrimary(em, read);
        const replica = next();
        if (!replica) return onPrimary(em, read);
        let result: Awaited<ReturnType<typeof read>>;
        try {
          result = await read(replica.db());
        } catch (error) {
          if (classifyDatabaseFailure(error)?.kind === "unavailable") {
            wentDown(replica, error);
            return onPrimary(em, read);
          }
          // A replica that stopped answering (a frozen host): this read has used up its time, so
          // it fails, but the next ones go to the primary.
          // A probe that ran out of time has not shown the replica is back.
          if (isNotAnswering(error) || (replica.state === "probing" && classifyDatabaseFailure(error)?.kind === "timeout")) wentDown(replica, error);
          else if (replica.state === "probing") answered(replica); // it answered, with an error of the read's own
          throw error;
        }
        answered(replica);
        onRead(replica.name);
        return result;
      };
    },
    unreachable(name, error) {
      const replica = replicas.find((candidate) => candidate.name === name);
      return replica ? wentDown(replica, error) : false;
    },
    replicas: () => replicas.map(({ name, state }) => ({ name, up: state === "up" })),
  };
}

const isNotAnswering = (error: unknown): boolean => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if ((current as { code?: unknown }).code === DATABASE_NOT_ANSWERING) return true;
  }
  return false;
};
