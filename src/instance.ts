/**
 * One running ordergraph instance: ORM, event bus, outbox relay, the app, and an HTTP server
 * that also upgrades WebSockets on the GraphQL path. server.ts starts one from the
 * configuration; tests start several to exercise what crosses instances.
 */
import { createServer, type Server } from "node:http";
import type { MikroORM } from "@mikro-orm/postgresql";
import { createApp, GRAPHQL_PATH, type App } from "./app.ts";
import { createContextFactory } from "./context.ts";
import { createEventFeed } from "./domain/events/event-feed.ts";
import { systemClock, type Clock } from "./domain/shared/clock.ts";
import { newId } from "./domain/shared/ids.ts";
import { createEventBus, type PublishingEventBus } from "./infra/events/event-bus.ts";
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./infra/events/outbox-relay.ts";
import { migrateToLatest } from "./infra/mikro-orm/migrate.ts";
import { createMikroOrmEventLog } from "./infra/mikro-orm/outbox-repository.ts";
import { createOrm } from "./infra/mikro-orm/orm.ts";
import type { Logger } from "./logger.ts";
import { schema } from "./schema/index.ts";

export interface InstanceOptions {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** Pool size (default 10). */
  readonly poolSize?: number;
  /** Apply pending migrations before listening (default true). */
  readonly migrate?: boolean;
  /** Unset: an in-process event bus, so subscriptions see only this instance's changes. */
  readonly redisUrl?: string;
  /** Prefix of the pub/sub channels; every instance on one outbox must share it (default "ordergraph"). */
  readonly channelPrefix?: string;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** 0 picks a free port (default 4000). */
  readonly port?: number;
  /** Serve GraphiQL to browsers (default true). */
  readonly graphiql?: boolean;
  /** Where "now" comes from (default the system clock). */
  readonly clock?: Clock;
  /** Outbox relay tuning; see OutboxRelayOptions for each default. */
  readonly relay?: Partial<Pick<OutboxRelayOptions, "batchSize" | "pollIntervalMs" | "maxAttempts" | "retentionMs" | "pruneIntervalMs">>;
  /** How long a WebSocket client has to send connection_init (default 3000 ms). */
  readonly connectionInitWaitTimeoutMs?: number;
  /** WebSocket ping interval (default 12000 ms). */
  readonly keepAliveMs?: number;
  /** Called with every SQL statement (tests count them). */
  readonly onStatement?: (sql: string) => void;
}

export interface Instance {
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly websocketUrl: string;
  readonly orm: MikroORM;
  readonly bus: PublishingEventBus;
  readonly relay: OutboxRelay;
  readonly app: App;
  readonly server: Server;
  /** Migrations this start applied. */
  readonly appliedMigrations: readonly string[];
  /**
   * Graceful stop: no new connections, WebSocket clients closed with 1001, in-flight HTTP
   * requests finished, the relay's current batch finished, then Redis and the pool closed.
   */
  close(): Promise<void>;
}

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const { logger } = options;
  const orm = await createOrm({ databaseUrl: options.databaseUrl, poolSize: options.poolSize, onStatement: options.onStatement });
  const appliedMigrations = options.migrate === false ? [] : await migrateToLatest(orm);

  const bus = createEventBus({ redisUrl: options.redisUrl, channelPrefix: options.channelPrefix, logger });
  const relay = createOutboxRelay({ orm, databaseUrl: options.databaseUrl, publish: (event) => bus.publish(event), logger, ...options.relay });
  const events = createEventFeed({ log: createMikroOrmEventLog(orm.em), bus });
  const createContext = createContextFactory({ orm, clock: options.clock ?? systemClock, newId, events });
  const app = createApp({
    schema,
    createContext,
    logger,
    graphiql: options.graphiql,
    connectionInitWaitTimeoutMs: options.connectionInitWaitTimeoutMs,
    keepAliveMs: options.keepAliveMs,
  });

  // yoga answers every request itself, errors included; the returned promise needs no handling.
  const server = createServer((request, response) => void app.yoga.requestListener(request, response));
  server.on("upgrade", (request, socket, head) => {
    if (new URL(request.url ?? "/", "http://localhost").pathname !== GRAPHQL_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    app.websockets.server.handleUpgrade(request, socket, head, (websocket) => app.websockets.server.emit("connection", websocket, request));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4000, options.host ?? "127.0.0.1", () => resolve());
  });
  relay.start();

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host ?? "127.0.0.1";
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}${GRAPHQL_PATH}`,
    websocketUrl: `ws://${authority}${GRAPHQL_PATH}`,
    orm,
    bus,
    relay,
    app,
    server,
    appliedMigrations,
    close() {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await app.websockets.close();
        await httpClosed;
        await relay.stop();
        await bus.close();
        await orm.close();
      })();
      return closing;
    },
  };
}
