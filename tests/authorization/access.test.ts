/**
 * Who may see and change what, for every query, mutation and subscription, as an anonymous
 * caller, a customer (on their own data and on someone else's) and an administrator.
 */
import { once } from "node:events";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { newId } from "../../src/domain/shared/ids.ts";
import { issueToken } from "../../src/infra/auth/token-issuer.ts";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION, bearer, customerToken, TEST_JWT_SECRET } from "../support/auth.ts";
import { outboxDrained, post, startTestInstance } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

let db: TestDatabase;
let instance: Instance;
const ids = {} as Record<"alice" | "bob" | "aliceOrder" | "bobOrder", string>;
const callers = {} as Record<"anonymous" | "alice" | "bob" | "admin", string>;

const raw = (globalId: string) => Buffer.from(globalId, "base64url").toString("utf8").split(":")[1]!;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, rateLimits: { placeOrderPerMinute: 1000, createUserPerMinute: 1000 } });
  const create = async (email: string) =>
    (await post(instance, `mutation($e: String!) { createUser(input: { email: $e, name: "N" }) { user { id } } }`, { e: email })).createUser.user.id as string;
  ids.alice = await create("alice@example.com");
  ids.bob = await create("bob@example.com");
  const place = async (userId: string) =>
    (await post(instance, `mutation($u: ID!) { placeOrder(input: { userId: $u, currency: "USD", items: [{ sku: "A", name: "A", quantity: 1, unitPriceCents: 100 }] }) { order { id } } }`, { u: userId }))
      .placeOrder.order.id as string;
  ids.aliceOrder = await place(ids.alice);
  ids.bobOrder = await place(ids.bob);
  callers.anonymous = "";
  callers.admin = ADMIN_AUTHORIZATION;
  callers.alice = bearer(await customerToken(raw(ids.alice)));
  callers.bob = bearer(await customerToken(raw(ids.bob)));
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

async function call(caller: keyof typeof callers, query: string, variables: Record<string, unknown> = {}, target: Instance = instance) {
  const response = await fetch(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(callers[caller] ? { authorization: callers[caller] } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

const code = (result: { body: { errors?: { extensions?: { code?: string } }[] } }) => result.body.errors?.[0]?.extensions?.code;

describe("queries", () => {
  it("viewer: the caller's own user, null for anonymous callers and for admins without a user record", async () => {
    const query = "{ viewer { id } }";
    expect((await call("anonymous", query)).body).toEqual(priced({ data: { viewer: null } }));
    expect((await call("alice", query)).body).toEqual(priced({ data: { viewer: { id: ids.alice } } }));
    expect((await call("admin", query)).body).toEqual(priced({ data: { viewer: null } }));
  });

  it.each([
    ["node(user)", (): string => `{ node(id: "${ids.alice}") { id } }`, "node", (): { id: string } => ({ id: ids.alice })],
    ["node(order)", (): string => `{ node(id: "${ids.aliceOrder}") { id } }`, "node", (): { id: string } => ({ id: ids.aliceOrder })],
    ["user", (): string => `{ user(id: "${ids.alice}") { id } }`, "user", (): { id: string } => ({ id: ids.alice })],
    ["userByEmail", (): string => `{ userByEmail(email: "alice@example.com") { id } }`, "userByEmail", (): { id: string } => ({ id: ids.alice })],
    ["order", (): string => `{ order(id: "${ids.aliceOrder}") { id } }`, "order", (): { id: string } => ({ id: ids.aliceOrder })],
  ] as const)("%s: own for the customer, null for anyone else's, anything for admins, UNAUTHENTICATED anonymously", async (_, query, field, expected) => {
    expect((await call("alice", query())).body.data?.[field]).toEqual(expected());
    expect((await call("bob", query())).body).toEqual(priced({ data: { [field]: null } }));
    expect((await call("admin", query())).body.data?.[field]).toEqual(expected());
    expect(code(await call("anonymous", query()))).toBe("UNAUTHENTICATED");
  });

  it("nodes: each foreign or missing position is null, exactly alike", async () => {
    const missing = Buffer.from("Order:01900000-0000-7000-8000-000000000000").toString("base64url");
    const query = `{ nodes(ids: ["${ids.aliceOrder}", "${ids.bobOrder}", "${ids.alice}", "${ids.bob}", "${missing}"]) { id } }`;
    expect((await call("alice", query)).body.data.nodes).toEqual([{ id: ids.aliceOrder }, null, { id: ids.alice }, null, null]);
    expect((await call("admin", query)).body.data.nodes).toEqual([{ id: ids.aliceOrder }, { id: ids.bobOrder }, { id: ids.alice }, { id: ids.bob }, null]);
  });

  it("users: only administrators may list all users", async () => {
    const query = "{ users { totalCount } }";
    expect(code(await call("alice", query))).toBe("FORBIDDEN");
    expect(code(await call("anonymous", query))).toBe("UNAUTHENTICATED");
    expect((await call("admin", query)).body.data.users.totalCount).toBe(2);
  });

  it("orders: scoped to the customer's own, whatever the filter says", async () => {
    const query = `query($f: OrderFilter) { orders(filter: $f) { totalCount nodes { id } } }`;
    expect((await call("alice", query)).body.data.orders).toEqual({ totalCount: 1, nodes: [{ id: ids.aliceOrder }] });
    expect((await call("alice", query, { f: { userId: ids.bob } })).body.data.orders).toEqual({ totalCount: 0, nodes: [] });
    expect((await call("admin", query)).body.data.orders.totalCount).toBe(2);
    expect(code(await call("anonymous", query))).toBe("UNAUTHENTICATED");
  });

  it("User.orders: a customer reaches their orders through their own user", async () => {
    const query = `{ viewer { orders { nodes { id user { id } } } } }`;
    expect((await call("alice", query)).body.data.viewer.orders.nodes).toEqual([{ id: ids.aliceOrder, user: { id: ids.alice } }]);
  });
});

describe("_entities (FEDERATION=true): the same rules as node", () => {
  let subgraph: Instance;
  beforeAll(async () => {
    subgraph = await startTestInstance({ databaseUrl: db.url, migrate: false, federation: true });
  });
  afterAll(() => subgraph?.close());

  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } ... on Order { id } } }`;
  const entities = (caller: keyof typeof callers, ...keys: ["User" | "Order", string][]) =>
    call(caller, ENTITIES, { r: keys.map(([__typename, id]) => ({ __typename, id })) }, subgraph);

  it.each([
    ["User", "alice"],
    ["Order", "aliceOrder"],
  ] as const)("%s: own for the customer, null for anyone else's, anything for admins, UNAUTHENTICATED anonymously", async (typename, own) => {
    expect((await entities("alice", [typename, ids[own]])).body.data._entities).toEqual([{ id: ids[own] }]);
    expect((await entities("bob", [typename, ids[own]])).body).toEqual(priced({ data: { _entities: [null] } }));
    expect((await entities("admin", [typename, ids[own]])).body.data._entities).toEqual([{ id: ids[own] }]);
    expect(code(await entities("anonymous", [typename, ids[own]]))).toBe("UNAUTHENTICATED");
  });

  it("a batch: each foreign or missing position is null, exactly as in nodes", async () => {
    const missing = Buffer.from("Order:01900000-0000-7000-8000-000000000000").toString("base64url");
    const keys: ["User" | "Order", string][] = [["Order", ids.aliceOrder], ["Order", ids.bobOrder], ["User", ids.alice], ["User", ids.bob], ["Order", missing]];
    expect((await entities("alice", ...keys)).body.data._entities).toEqual([{ id: ids.aliceOrder }, null, { id: ids.alice }, null, null]);
    expect((await entities("admin", ...keys)).body.data._entities).toEqual([{ id: ids.aliceOrder }, { id: ids.bobOrder }, { id: ids.alice }, { id: ids.bob }, null]);
  });
});

describe("mutations", () => {
  const update = (id: string) => `mutation { updateUser(input: { id: "${id}", name: "Renamed" }) { user { name } errors { code } } }`;
  const transition = (name: string, id: string) => `mutation { ${name}(input: { id: "${id}" }) { order { status } errors { code } } }`;
  const place = (userId: string) =>
    `mutation { placeOrder(input: { userId: "${userId}", currency: "EUR", items: [{ sku: "S", name: "S", quantity: 1, unitPriceCents: 5 }] }) { order { id } errors { code } } }`;

  it("createUser: anyone may sign up; customers may not create other users", async () => {
    const signUp = (email: string) => `mutation { createUser(input: { email: "${email}", name: "New" }) { user { email } errors { code } } }`;
    expect((await call("anonymous", signUp("new@example.com"))).body.data.createUser).toEqual({ user: { email: "new@example.com" }, errors: [] });
    expect(code(await call("alice", signUp("another@example.com")))).toBe("FORBIDDEN");
    expect((await call("admin", signUp("third@example.com"))).body.data.createUser.errors).toEqual([]);
  });

  it("updateUser: own user only; someone else's fails as NOT_FOUND", async () => {
    expect((await call("alice", update(ids.alice))).body.data.updateUser).toEqual({ user: { name: "Renamed" }, errors: [] });
    expect((await call("alice", update(ids.bob))).body.data.updateUser).toEqual({ user: null, errors: [{ code: "NOT_FOUND" }] });
    expect(code(await call("anonymous", update(ids.alice)))).toBe("UNAUTHENTICATED");
  });

  it("deactivateUser: administrators only", async () => {
    const deactivate = (id: string) => `mutation { deactivateUser(input: { id: "${id}" }) { user { status } } }`;
    expect(code(await call("alice", deactivate(ids.alice)))).toBe("FORBIDDEN");
    expect(code(await call("anonymous", deactivate(ids.alice)))).toBe("UNAUTHENTICATED");
  });

  it("updateUser: a deactivated customer can no longer change their account (USER_DEACTIVATED); an administrator still can", async () => {
    const created = await call("admin", `mutation { createUser(input: { email: "leaving@example.com", name: "Leaving" }) { user { id } } }`);
    const leaving: string = created.body.data.createUser.user.id;
    await call("admin", `mutation { deactivateUser(input: { id: "${leaving}" }) { user { status } } }`);
    const response = await fetch(instance.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: bearer(await customerToken(raw(leaving))) },
      body: JSON.stringify({ query: update(leaving) }),
    });
    expect(((await response.json())).data.updateUser).toEqual({ user: null, errors: [{ code: "USER_DEACTIVATED" }] });
    expect((await call("admin", update(leaving))).body.data.updateUser).toEqual({ user: { name: "Renamed" }, errors: [] });
  });

  it("placeOrder: for oneself only; for someone else it fails as NOT_FOUND", async () => {
    expect((await call("alice", place(ids.alice))).body.data.placeOrder.errors).toEqual([]);
    expect((await call("alice", place(ids.bob))).body.data.placeOrder).toEqual({ order: null, errors: [{ code: "NOT_FOUND" }] });
    expect(code(await call("anonymous", place(ids.alice)))).toBe("UNAUTHENTICATED");
  });

  it.each(["confirmOrder", "shipOrder", "deliverOrder"])("%s: FORBIDDEN to customers, even on their own orders", async (name) => {
    expect(code(await call("alice", transition(name, ids.aliceOrder)))).toBe("FORBIDDEN");
    expect(code(await call("anonymous", transition(name, ids.aliceOrder)))).toBe("UNAUTHENTICATED");
  });

  it("cancelOrder: own orders only; someone else's fails as NOT_FOUND; admins any", async () => {
    expect((await call("alice", transition("cancelOrder", ids.bobOrder))).body.data.cancelOrder).toEqual({ order: null, errors: [{ code: "NOT_FOUND" }] });
    expect((await call("alice", transition("cancelOrder", ids.aliceOrder))).body.data.cancelOrder).toEqual({ order: { status: "CANCELLED" }, errors: [] });
    expect((await call("admin", transition("confirmOrder", ids.bobOrder))).body.data.confirmOrder.errors).toEqual([]);
  });
});

describe("subscriptions", () => {
  const EVENTS = `subscription($u: ID, $o: ID) { orderEvents(userId: $u, orderId: $o) { type order { id user { id } } } }`;

  it("refuses a missing or invalid token at connection_init with 4403", async () => {
    // Tampered: the first signature character changed (every bit of it is significant).
    const [header, payload, signature] = callers.alice.slice("Bearer ".length).split(".") as [string, string, string];
    const tampered = `Bearer ${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    for (const init of [undefined, { authorization: "Bearer not-a-token" }, { authorization: tampered }]) {
      const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
      await once(socket, "open");
      socket.send(JSON.stringify({ type: "connection_init", ...(init ? { payload: init } : {}) }));
      const [closeCode] = (await once(socket, "close")) as [number];
      expect(closeCode).toBe(4403);
    }
  });

  it("delivers a customer only their own events; someone else's user is FORBIDDEN, someone else's order silent", async () => {
    await outboxDrained(instance);
    const own = subscribe(instance.websocketUrl, EVENTS, {}, callers.alice);
    const othersOrder = subscribe(instance.websocketUrl, EVENTS, { o: ids.bobOrder }, callers.alice);
    const everything = subscribe(instance.websocketUrl, EVENTS, {}, callers.admin);
    const othersUser = subscribe(instance.websocketUrl, EVENTS, { u: ids.bob }, callers.alice);
    await expect(othersUser.waitFor(1, 3000)).rejects.toThrow(/FORBIDDEN/);
    await Promise.all([own.started, othersOrder.started, everything.started]);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await post(instance, `mutation { cancelOrder(input: { id: "${ids.bobOrder}" }) { errors { code } } }`);
    const mine = (await post(instance, `mutation($u: ID!) { placeOrder(input: { userId: $u, currency: "USD", items: [{ sku: "B", name: "B", quantity: 1, unitPriceCents: 1 }] }) { order { id } } }`, { u: ids.alice })).placeOrder.order.id;

    expect((await everything.waitFor(2)).map((e) => e.orderEvents.order.id)).toEqual([ids.bobOrder, mine]);
    expect((await own.waitFor(1)).map((e) => e.orderEvents.order.id)).toEqual([mine]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(own.received).toHaveLength(1);
    expect(othersOrder.received).toHaveLength(0);
    await Promise.all([own.close(), othersOrder.close(), everything.close(), othersUser.close()]);
  });

  it("treats someone else's event as an unknown resume point, revealing nothing", async () => {
    await outboxDrained(instance);
    const [bobs] = await db.orm.em.fork().execute<{ id: string }[]>("select id from outbox_events where user_id = ? limit 1", [raw(ids.bob)]);
    const resume = `subscription($after: ID) { orderEvents(after: $after) { id } }`;
    const foreign = subscribe(instance.websocketUrl, resume, { after: bobs!.id }, callers.alice);
    // An id from the retention period that names no event (an older one reads as expired).
    const missing = subscribe(instance.websocketUrl, resume, { after: newId() }, callers.alice);
    const [foreignError, missingError] = await Promise.all([foreign.waitFor(1, 3000).catch((error: Error) => error.message), missing.waitFor(1, 3000).catch((error: Error) => error.message)]);
    expect(foreignError).toMatch(/BAD_USER_INPUT/);
    expect(foreignError).toBe(missingError);
    await Promise.all([foreign.close(), missing.close()]);
  });

  it("closes the socket when the token expires, so the client reconnects with a fresh one", async () => {
    // Expired 28 s ago: still inside the 30 s clock skew both transports allow, for 2 s more.
    const shortLived = bearer(await issueToken(TEST_JWT_SECRET, { sub: raw(ids.alice), roles: ["customer"], ttlSeconds: -28 }));
    const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
    await once(socket, "open");
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: shortLived } }));
    const started = Date.now();
    const [closeCode] = (await once(socket, "close")) as [number];
    expect(closeCode).toBe(4403);
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

it("refuses a subscription over server-sent events with a token it would refuse over WebSocket", async () => {
  const refused = await fetch(instance.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer not-a-token" },
    body: JSON.stringify({ query: "subscription { orderEvents { id } }" }),
  });
  expect(refused.status).toBe(401);
  expect(await refused.text()).toMatch(/UNAUTHENTICATED/);
});

it("compiles and prices the operation a request names, not another one in the same document", async () => {
  const document = `query Mine { viewer { id } } query Everyone { users(first: 100) { nodes { orders(first: 100) { nodes { items { sku } } } } } }`;
  const ask = async (operationName: string) =>
    (await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", authorization: callers.admin }, body: JSON.stringify({ query: document, operationName }) })).json();
  expect(await ask("Mine")).toEqual(priced({ data: { viewer: null } }));
  expect((await ask("Everyone")).errors[0].extensions.code).toBe("OPERATION_LIMIT_EXCEEDED");
  expect(await ask("Mine")).toEqual(priced({ data: { viewer: null } }));
});

describe("tokens", () => {
  const sign = (claims: Record<string, unknown>, options: { alg?: string; secret?: string; expiresIn?: number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? "HS256" })
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 3600))
      .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;

  it.each([
    ["expired", () => sign({ sub: raw(ids.alice), roles: ["customer"] }, { expiresIn: -120 })],
    ["signed with another secret (tampered)", () => sign({ sub: raw(ids.alice), roles: ["admin"] }, { secret: "another-secret-that-is-also-32-bytes-long" })],
    ["signed with another algorithm", () => sign({ sub: raw(ids.alice), roles: ["admin"] }, { alg: "HS512" })],
    ["unsigned (alg: none)", async () => unsigned({ sub: raw(ids.alice), roles: ["admin"], exp: Math.floor(Date.now() / 1000) + 3600 })],
    ["without exp", async () => new SignJWT({ sub: raw(ids.alice), roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(TEST_JWT_SECRET))],
    ["without a role", () => sign({ sub: raw(ids.alice) })],
  ])("refuses a token %s with 401 UNAUTHENTICATED over HTTP and 4403 over WebSocket", async (_, make) => {
    const token = await make();
    const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", authorization: bearer(token) }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
    await once(socket, "open");
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: bearer(token) } }));
    expect(((await once(socket, "close")) as [number])[0]).toBe(4403);
  });

  it("checks the audience when one is configured", async () => {
    const strict = await startTestInstance({ databaseUrl: db.url, migrate: false, auth: { secret: TEST_JWT_SECRET, audience: "ordergraph" } });
    try {
      const ask = async (token: string) =>
        (await fetch(strict.url, { method: "POST", headers: { "content-type": "application/json", authorization: bearer(token) }, body: JSON.stringify({ query: "{ viewer { id } }" }) })).status;
      expect(await ask(await issueToken(TEST_JWT_SECRET, { sub: raw(ids.alice), roles: ["customer"], ttlSeconds: 60, audience: "another-api" }))).toBe(401);
      expect(await ask(await issueToken(TEST_JWT_SECRET, { sub: raw(ids.alice), roles: ["customer"], ttlSeconds: 60, audience: "ordergraph" }))).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
