import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/index.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on User { email }
      ... on Order { status user { id } }
    }
  }
`);

const NodesByIds = graphql(`
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id }
  }
`);

const Setup = graphql(`
  mutation NodeSetup($email: String!) {
    createUser(input: { email: $email, name: "Node" }) { user { id } }
  }
`);

const SetupOrder = graphql(`
  mutation NodeSetupOrder($userId: ID!) {
    placeOrder(input: { userId: $userId, currency: "GBP", items: [{ sku: "X", name: "X", quantity: 1, unitPriceCents: 1 }] }) { order { id } }
  }
`);

let db: TestDatabase;
let api: TestApp;
let userId: string;
let orderId: string;
const missingUser = Buffer.from("User:01900000-0000-7000-8000-000000000000").toString("base64url");

beforeAll(async () => {
  db = await createTestDatabase();
  api = createTestApp(db);
  userId = (await api.execute(Setup, { email: "node@example.com" })).data!.createUser.user!.id;
  orderId = (await api.execute(SetupOrder, { userId })).data!.placeOrder.order!.id;
});
afterAll(() => db.drop());

describe("node and nodes", () => {
  it("refetches users and orders by their global IDs", async () => {
    expect((await api.execute(NodeById, { id: userId })).data?.node).toEqual({ __typename: "User", id: userId, email: "node@example.com" });
    expect((await api.execute(NodeById, { id: orderId })).data?.node).toEqual({ __typename: "Order", id: orderId, status: "PENDING", user: { id: userId } });
  });

  it("answers null for a well-formed ID of an object that does not exist", async () => {
    const result = await api.execute(NodeById, { id: missingUser });
    expect(result).toEqual(priced({ data: { node: null } }));
  });

  it("answers each position of nodes with its object or null, in one batch per type", async () => {
    db.statements.length = 0;
    const { data, errors } = await api.execute(NodesByIds, { ids: [orderId, missingUser, userId, orderId] });
    expect(errors).toBeUndefined();
    expect(data?.nodes).toEqual([{ __typename: "Order", id: orderId }, null, { __typename: "User", id: userId }, { __typename: "Order", id: orderId }]);
    expect(db.statements).toHaveLength(2);
  });

  it.each([
    ["not base64", "???"],
    ["an unknown type", Buffer.from("Invoice:01900000-0000-7000-8000-000000000000").toString("base64url")],
    ["a non-UUID id", Buffer.from("User:1").toString("base64url")],
  ])("rejects an ID that is %s with BAD_USER_INPUT", async (_, id) => {
    const result = await api.execute(NodeById, { id });
    expect(result.data?.node ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
  });
});
