/**
 * MikroORM's PostgreSQL driver with one fix: a transaction always gives its connection back.
 *
 * `em.transactional()` (MikroORM 7.2.1) runs on Kysely 0.29's controlled transactions, which
 * release their connection only after BEGIN, COMMIT or ROLLBACK succeeds. When the connection
 * dies mid-transaction (PostgreSQL restarted, the session killed, a failover), ROLLBACK throws,
 * MikroORM logs a warning, and the pool keeps counting the connection as in use — for good; a
 * pool of 10 is gone after 10 such failures. Here the Kysely driver under MikroORM treats a
 * failed ROLLBACK as done (the server ends a transaction whose session is gone, and the guarded
 * client makes the pool discard a connection released inside a transaction), so Kysely releases
 * it; and a failed BEGIN releases its connection, which Kysely never does.
 *
 * Upstream-compatible: it wraps the dialect MikroORM builds and changes nothing else; delete this
 * file (and `driver:` in orm.ts) once Kysely releases controlled connections in a `finally`.
 */
import { PostgreSqlConnection, PostgreSqlDriver, type Configuration } from "@mikro-orm/postgresql";
import type { DatabaseConnection, Driver, PostgresDialect, TransactionSettings } from "kysely";
import type { PoolConfig } from "pg";

class ReleasingDriver implements Driver {
  private readonly driver: Driver;
  constructor(driver: Driver) {
    this.driver = driver;
  }

  init: Driver["init"] = (...args) => this.driver.init(...args);
  acquireConnection: Driver["acquireConnection"] = (...args) => this.driver.acquireConnection(...args);
  releaseConnection: Driver["releaseConnection"] = (...args) => this.driver.releaseConnection(...args);
  commitTransaction: Driver["commitTransaction"] = (...args) => this.driver.commitTransaction(...args);
  destroy: Driver["destroy"] = (...args) => this.driver.destroy(...args);
  savepoint: Driver["savepoint"] = (...args) => this.driver.savepoint!(...args);
  rollbackToSavepoint: Driver["rollbackToSavepoint"] = (...args) => this.driver.rollbackToSavepoint!(...args);
  releaseSavepoint: Driver["releaseSavepoint"] = (...args) => this.driver.releaseSavepoint!(...args);

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    try {
      await this.driver.beginTransaction(connection, settings);
    } catch (error) {
      await this.driver.releaseConnection(connection);
      throw error;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.driver.rollbackTransaction(connection);
    } catch {
      // The connection is broken: its transaction ended with it. Returning normally lets Kysely
      // release it, and the pool discards it (the caller still sees the original error).
    }
  }
}

class ReleasingPostgreSqlConnection extends PostgreSqlConnection {
  override createKyselyDialect(overrides: PoolConfig): PostgresDialect {
    const dialect = super.createKyselyDialect(overrides);
    const createDriver = dialect.createDriver.bind(dialect);
    dialect.createDriver = () => new ReleasingDriver(createDriver());
    return dialect;
  }
}

export class OrdergraphPostgreSqlDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    const self = this as unknown as { connection: PostgreSqlConnection; replicas: PostgreSqlConnection[] };
    self.connection = new ReleasingPostgreSqlConnection(this.config);
    self.replicas = this.createReplicas((replica) => new ReleasingPostgreSqlConnection(this.config, replica, "read"));
  }

  /** The read replicas' connections, in the order they were configured (read-routing.ts picks among them). */
  replicaConnections(): readonly PostgreSqlConnection[] {
    return this.replicas;
  }
}
