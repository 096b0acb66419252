import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/index.ts";
import { createTestApp, steppingClock, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const UsersPage = graphql(`
  query UsersPage($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserSort) {
    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id name email } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const OrdersPage = graphql(`
  query OrdersPage($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderSort) {
    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id status total { cents } createdAt user { id } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const UserOrdersPage = graphql(`
  query UserOrdersPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: UserOrdersFilter, $orderBy: OrderSort) {
    user(id: $id) {
      orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
        totalCount
        nodes { id status total { cents } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`);

const SeedUser = graphql(`
  mutation SeedUser($input: CreateUserInput!) { createUser(input: $input) { user { id name email createdAt } } }
`);

const SeedOrder = graphql(`
  mutation SeedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { cents } status } } }
`);

const SeedConfirm = graphql(`
  mutation SeedConfirm($input: OrderTransitionInput!) { confirmOrder(input: $input) { order { id } } }
`);

type UserNode = { id: string; name: string; email: string; createdAt: string };

let db: TestDatabase;
let api: TestApp;
let users: UserNode[];
let orders: { id: string; cents: number; status: string; userId: string }[];

const NAMES = ["bob", "Alice", "carol", "Dave", "eve", "Frank", "Grace 100%", "heidi_x", "Ivan", "judy"];

beforeAll(async () => {
  db = await createTestDatabase();
  api = createTestApp(db, { clock: steppingClock(new Date("2025-06-01T00:00:00.000Z")) });
  users = [];
  for (let i = 0; i < 25; i++) {
    const { data } = await api.execute(SeedUser, { input: { email: `user${String(i).padStart(2, "0")}@Example.com`, name: `${NAMES[i % NAMES.length]} ${i}` } });
    users.push(data!.createUser.user!);
  }
  orders = [];
  for (let i = 0; i < 12; i++) {
    const userId = users[i % 3]!.id;
    const { data } = await api.execute(SeedOrder, {
      input: { userId, currency: "USD", items: [{ sku: "S", name: "N", quantity: 1 + (i % 4), unitPriceCents: 1000 }] },
    });
    const order = data!.placeOrder.order!;
    if (i % 2 === 0) await api.execute(SeedConfirm, { input: { id: order.id } });
    orders.push({ id: order.id, cents: order.total.cents, status: i % 2 === 0 ? "CONFIRMED" : "PENDING", userId });
  }
});
afterAll(() => db.drop());

type Args = { first?: number; last?: number; after?: string; before?: string; filter?: object; orderBy?: { field: string; direction: string } };

async function walkUsers(size: number, direction: "forward" | "backward", args: Args = {}) {
  const ids: string[] = [];
  let cursor: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = direction === "forward" ? { ...args, first: size, after: cursor ?? args.after } : { ...args, last: size, before: cursor ?? args.before };
    const { data, errors } = await api.execute(UsersPage, page as never);
    expect(errors).toBeUndefined();
    const connection = data!.users;
    expect(connection.nodes.map((n) => n.id)).toEqual(connection.edges.map((e) => e.node.id));
    const pageIds = connection.edges.map((e) => e.node.id);
    if (direction === "forward") ids.push(...pageIds);
    else ids.unshift(...pageIds);
    const more = direction === "forward" ? connection.pageInfo.hasNextPage : connection.pageInfo.hasPreviousPage;
    if (!more) return ids;
    cursor = direction === "forward" ? connection.pageInfo.endCursor : connection.pageInfo.startCursor;
  }
  throw new Error("did not finish");
}

const byName = (a: UserNode, b: UserNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);

describe("users connection", () => {
  it("returns the first 20 by createdAt ascending by default, with exact page info", async () => {
    const { data } = await api.execute(UsersPage, {});
    expect(data?.users.edges.map((e) => e.node.id)).toEqual(users.slice(0, 20).map((u) => u.id));
    expect(data?.users.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(data?.users.totalCount).toBe(25);
  });

  it.each([
    ["forward", 7],
    ["backward", 7],
    ["forward", 1],
    ["backward", 25],
    ["forward", 100],
  ] as const)("yields every user exactly once, in order, paginating %s %i at a time", async (direction, size) => {
    expect(await walkUsers(size, direction)).toEqual(users.map((u) => u.id));
  });

  it.each([
    ["NAME", "ASC"],
    ["NAME", "DESC"],
    ["EMAIL", "DESC"],
    ["CREATED_AT", "DESC"],
  ] as const)("sorts by %s %s, ties broken by id, in both directions", async (field, direction) => {
    const sorted = [...users].sort(field === "NAME" ? byName : field === "EMAIL" ? (a, b) => (a.email < b.email ? -1 : 1) : () => 0);
    const expected = (field === "CREATED_AT" ? [...users] : sorted).map((u) => u.id);
    if (direction === "DESC") expected.reverse();
    expect(await walkUsers(4, "forward", { orderBy: { field, direction } })).toEqual(expected);
    expect(await walkUsers(6, "backward", { orderBy: { field, direction } })).toEqual(expected);
  });

  it("returns an empty page for first: 0, saying whether rows exist", async () => {
    const { data } = await api.execute(UsersPage, { first: 0 });
    expect(data?.users).toMatchObject({ edges: [], pageInfo: { hasNextPage: true, startCursor: null, endCursor: null }, totalCount: 25 });
  });

  it("neither skips nor repeats users when rows are inserted before the cursor", async () => {
    const first = await api.execute(UsersPage, { first: 10 });
    const earlier = createTestApp(db, { clock: steppingClock(new Date("2020-01-01T00:00:00.000Z")) });
    const inserted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { data } = await earlier.execute(SeedUser, { input: { email: `early${i}@example.com`, name: `Early ${i}` } });
      inserted.push(data!.createUser.user!.id);
    }
    const rest = await walkUsers(10, "forward", { after: first.data!.users.pageInfo.endCursor! });
    expect([...first.data!.users.edges.map((e) => e.node.id), ...rest.filter((id) => !inserted.includes(id))]).toEqual(users.map((u) => u.id));
    expect(rest.some((id) => inserted.includes(id))).toBe(false);
    await db.orm.em.fork().execute("delete from users where email like 'early%'");
  });

  it("filters by a literal, case-insensitive search, by status and by creation time", async () => {
    const search = async (text: string) => (await api.execute(UsersPage, { first: 100, filter: { search: text } })).data!.users.edges.map((e) => e.node.name);
    expect(await search("100%")).toEqual(["Grace 100% 6", "Grace 100% 16"]);
    expect(await search("%")).toEqual(["Grace 100% 6", "Grace 100% 16"]);
    expect(await search("_x")).toEqual(["heidi_x 7", "heidi_x 17"]);
    expect(await search("ALICE")).toEqual(["Alice 1", "Alice 11", "Alice 21"]);
    expect(await search("USER03@example")).toEqual(["Dave 3"]);
    const { data } = await api.execute(UsersPage, { first: 100, filter: { createdAfter: users[2]!.createdAt, createdBefore: users[5]!.createdAt, status: "ACTIVE" } });
    expect(data?.users.edges.map((e) => e.node.id)).toEqual(users.slice(2, 5).map((u) => u.id));
    expect(data?.users.totalCount).toBe(3);
  });
});

describe("connection argument errors", () => {
  const cursorFor = async (orderBy?: { field: "NAME"; direction: "ASC" }) => (await api.execute(UsersPage, { first: 1, orderBy })).data!.users.pageInfo.endCursor!;

  it.each([
    ["a negative first", { first: -1 }, /first.*0 and 100/],
    ["first above 100", { first: 101 }, /first.*0 and 100/],
    ["a negative last", { last: -5 }, /last.*0 and 100/],
    ["first and last together", { first: 1, last: 1 }, /either `first` or `last`/],
    ["a malformed cursor", { after: "%%%" }, /not a valid cursor/],
    ["a cursor with a tampered value", { after: Buffer.from(JSON.stringify(["User:CREATED_AT:ASC", "yesterday", "01900000-0000-7000-8000-000000000000"])).toString("base64url") }, /not a valid cursor/],
  ])("rejects %s with BAD_USER_INPUT", async (_, args, message) => {
    const result = await api.execute(UsersPage, args);
    expect(result.data?.users ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
  });

  it("rejects a cursor made for another sort order or another connection", async () => {
    const nameCursor = await cursorFor({ field: "NAME", direction: "ASC" });
    const wrongSort = await api.execute(UsersPage, { first: 1, after: nameCursor });
    expect(wrongSort.errors?.[0]).toMatchObject({ message: expect.stringMatching(/different connection or sort order/), extensions: { code: "BAD_USER_INPUT" } });
    const userCursor = await cursorFor();
    const wrongConnection = await api.execute(OrdersPage, { first: 1, before: userCursor });
    expect(wrongConnection.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });
});

describe("orders connections", () => {
  it("lists orders newest first by default and pages backward to the same order", async () => {
    const expected = [...orders].reverse().map((o) => o.id);
    const { data } = await api.execute(OrdersPage, { first: 100 });
    expect(data?.orders.edges.map((e) => e.node.id)).toEqual(expected);
    const last5 = await api.execute(OrdersPage, { last: 5 });
    expect(last5.data?.orders.edges.map((e) => e.node.id)).toEqual(expected.slice(-5));
    expect(last5.data?.orders.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it("sorts by total with ties broken by id, and filters by user, statuses and total", async () => {
    const { data } = await api.execute(OrdersPage, { first: 100, orderBy: { field: "TOTAL", direction: "ASC" } });
    // Orders were placed one after another, so their UUIDv7 ids ascend in placement order.
    const expected = [...orders].sort((a, b) => a.cents - b.cents || orders.indexOf(a) - orders.indexOf(b)).map((o) => o.id);
    expect(data?.orders.edges.map((e) => e.node.id)).toEqual(expected);
    const filter = { userId: users[0]!.id, status: ["CONFIRMED" as const], minTotalCents: 2000, maxTotalCents: 3000 };
    const filtered = await api.execute(OrdersPage, { first: 100, filter });
    const want = orders.filter((o) => o.userId === users[0]!.id && o.status === "CONFIRMED" && o.cents >= 2000 && o.cents <= 3000);
    expect(filtered.data?.orders.edges.map((e) => e.node.id).sort()).toEqual(want.map((o) => o.id).sort());
    expect(filtered.data?.orders.totalCount).toBe(want.length);
    expect(want.length).toBeGreaterThan(0);
  });

  it("rejects a filter userId that is not a User ID", async () => {
    const result = await api.execute(OrdersPage, { filter: { userId: orders[0]!.id } });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });

  it("pages one user's orders with their own filter, sort and cursors", async () => {
    const user = users[1]!;
    const mine = orders.filter((o) => o.userId === user.id);
    const first = await api.execute(UserOrdersPage, { id: user.id, first: 2, orderBy: { field: "TOTAL", direction: "DESC" } });
    const sorted = [...mine].sort((a, b) => b.cents - a.cents || orders.indexOf(b) - orders.indexOf(a));
    expect(first.data?.user?.orders.nodes.map((o) => o.id)).toEqual(sorted.slice(0, 2).map((o) => o.id));
    expect(first.data?.user?.orders.totalCount).toBe(mine.length);
    const next = await api.execute(UserOrdersPage, { id: user.id, first: 10, after: first.data!.user!.orders.pageInfo.endCursor!, orderBy: { field: "TOTAL", direction: "DESC" } });
    expect(next.data?.user?.orders.nodes.map((o) => o.id)).toEqual(sorted.slice(2).map((o) => o.id));
    expect(next.data?.user?.orders.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const pending = await api.execute(UserOrdersPage, { id: user.id, filter: { status: ["PENDING"] } });
    expect(pending.data?.user?.orders.nodes.every((o) => o.status === "PENDING")).toBe(true);
    expect(pending.data?.user?.orders.totalCount).toBe(mine.filter((o) => o.status === "PENDING").length);
  });
});
