/**
 * ordergraph as one subgraph of a federated graph: a real gateway (Hive Gateway's runtime, on its
 * own port) composes it (FEDERATION=true, on a real port) with a second subgraph, "loyalty", that
 * extends `User`; queries through the gateway combine both, and the caller's Authorization header
 * travels to ordergraph so its access rules hold there as they do without a gateway.
 */
import { readFileSync } from "node:fs";
import { createGatewayRuntime, type GatewayRuntime } from "@graphql-hive/gateway-runtime";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION, bearer, customerToken } from "../support/auth.ts";
import { createUser, rawId, startTestInstance } from "../support/instances.ts";
import { LOYALTY_SDL, serve, startLoyaltySubgraph, type Served } from "../support/loyalty-subgraph.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let ordergraph: Instance;
let loyalty: Served;
let gateway: GatewayRuntime;
let gatewayServer: Served;
const statements: string[] = [];
const ids = {} as Record<"alice" | "bob" | "carol", string>;
const callers = {} as Record<"anonymous" | "alice" | "admin", string>;

beforeAll(async () => {
  db = await createTestDatabase();
  ordergraph = await startTestInstance({ databaseUrl: db.url, migrate: false, federation: true, onStatement: (sql) => statements.push(sql) });
  ids.alice = await createUser(ordergraph, "alice@example.com");
  ids.bob = await createUser(ordergraph, "bob@example.com");
  ids.carol = await createUser(ordergraph, "carol@example.com");
  loyalty = await startLoyaltySubgraph(new Map([[rawId(ids.alice), 1200], [rawId(ids.bob), 300], [rawId(ids.carol), 40]]));

  // Composition as a deployment would do it, from each subgraph's SDL: ordergraph's as the
  // running instance serves it (which is the committed schema.federation.graphql).
  const served = await (await fetch(ordergraph.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ _service { sdl } }" }) })).json();
  const sdl: string = served.data._service.sdl;
  expect(`${sdl}\n`).toBe(readFileSync(new URL("../../schema.federation.graphql", import.meta.url), "utf8"));
  const composed = composeServices([
    { name: "ordergraph", typeDefs: parse(sdl), url: ordergraph.url },
    { name: "loyalty", typeDefs: parse(LOYALTY_SDL), url: loyalty.url },
  ]);
  expect(composed.errors?.map((error) => error.message)).toBeUndefined();

  gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl!,
    logging: false,
    // Each subgraph decides what the caller may see, so each gets the caller's token.
    propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get("authorization") }) },
  });
  gatewayServer = await serve(gateway);

  callers.anonymous = "";
  callers.admin = ADMIN_AUTHORIZATION;
  callers.alice = bearer(await customerToken(rawId(ids.alice)));
}, 60_000);

afterAll(async () => {
  await gatewayServer?.close();
  await gateway?.dispose();
  await loyalty?.close();
  await ordergraph?.close();
  await db?.drop();
});

/** An operation through the gateway, as `caller`. */
async function viaGateway(caller: keyof typeof callers, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(gatewayServer.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(callers[caller] ? { authorization: callers[caller] } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data?: any; errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[] };
}

describe("through the gateway", () => {
  it("a customer sees their own user with fields from both subgraphs", async () => {
    const result = await viaGateway("alice", "{ viewer { id email loyalty { points tier } } }");
    expect(result).toEqual({ data: { viewer: { id: ids.alice, email: "alice@example.com", loyalty: { points: 1200, tier: "GOLD" } } } });
  });

  it("someone else's user is null for a customer, as via node, whichever subgraph the query starts in", async () => {
    const fromOrdergraph = await viaGateway("alice", `query($id: ID!) { user(id: $id) { email loyalty { points } } node(id: $id) { ... on User { email } } }`, { id: ids.bob });
    expect(fromOrdergraph).toEqual({ data: { user: null, node: null } });

    // Loyalty hands out the reference; ordergraph's _entities, with alice's token, refuses to load it.
    const fromLoyalty = await viaGateway("alice", `query($id: ID!) { member(id: $id) { id loyalty { points } email } }`, { id: ids.bob });
    expect(fromLoyalty.data).toEqual({ member: null });
    // The gateway reports the entity ordergraph answered with null where User.email cannot be null.
    expect(fromLoyalty.errors).toEqual([expect.objectContaining({ path: ["member", "email"] })]);
    expect(JSON.stringify(fromLoyalty)).not.toContain("bob@example.com");
  });

  it("a customer's list through another subgraph shows their own user and null for the others", async () => {
    const result = await viaGateway("alice", "{ members { id email loyalty { points } } }");
    expect(result.data).toEqual({ members: [{ id: ids.alice, email: "alice@example.com", loyalty: { points: 1200 } }, null, null] });
    expect(JSON.stringify(result)).not.toMatch(/bob@|carol@/);
  });

  it("an administrator sees everyone, each user's ordergraph fields loaded in one statement for the whole list", async () => {
    statements.length = 0;
    const result = await viaGateway("admin", "{ members { email loyalty { tier } } }");
    expect(result).toEqual({
      data: {
        members: [
          { email: "alice@example.com", loyalty: { tier: "GOLD" } },
          { email: "bob@example.com", loyalty: { tier: "BRONZE" } },
          { email: "carol@example.com", loyalty: { tier: "BRONZE" } },
        ],
      },
    });
    expect(statements.filter((sql) => /from users where id = any/.test(sql))).toHaveLength(1);
  });

  it("an anonymous caller gets UNAUTHENTICATED from ordergraph, as without the gateway; viewer stays open", async () => {
    const refused = await viaGateway("anonymous", `query($id: ID!) { user(id: $id) { email } }`, { id: ids.alice });
    expect(refused.data?.user ?? null).toBeNull();
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await viaGateway("anonymous", "{ viewer { id } }")).toEqual({ data: { viewer: null } });
  });
});
