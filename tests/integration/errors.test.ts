import { expect, it } from "vitest";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { useTestApi } from "../support/test-api.ts";

const subject = useTestApi();

it("masks an unexpected failure as 'Unexpected error.' and logs it with the request id the client sees", async () => {
  await subject.db.orm.em.fork().execute("alter table order_items rename to order_items_gone");
  try {
    const response = await subject.api.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-test-123", authorization: ADMIN_AUTHORIZATION },
      body: JSON.stringify({ query: "{ orders { totalCount } users { totalCount } }" }),
    });
    expect(response.headers.get("x-request-id")).toBe("req-test-123");
    const body = await response.json();
    expect(body.data).toEqual({ orders: { totalCount: 0 }, users: { totalCount: 0 } });

    const failing = await subject.api.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-test-456", authorization: ADMIN_AUTHORIZATION },
      body: JSON.stringify({
        query: `mutation { createUser(input: { email: "m@example.com", name: "M" }) { user { id } } }`,
      }),
    });
    const created = (await failing.json()) as { data: { createUser: { user: { id: string } } } };
    const placed = await subject.api.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-test-789", authorization: ADMIN_AUTHORIZATION },
      body: JSON.stringify({
        query: `mutation($u: ID!) { placeOrder(input: { userId: $u, currency: "USD", items: [{ sku: "A", name: "A", quantity: 1, unitPriceCents: 1 }] }) { order { id } errors { code } } }`,
        variables: { u: created.data.createUser.user.id },
      }),
    });
    const text = await placed.text();
    expect(text).not.toMatch(/order_items|relation|sql|stack/i);
    const result = JSON.parse(text);
    expect(result.errors).toEqual([
      expect.objectContaining({ message: "Unexpected error.", path: ["placeOrder"], extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "req-test-789" } }),
    ]);
    const logged = subject.api.logs.find((line) => line.requestId === "req-test-789" && line.msg === "unexpected error in a resolver");
    expect(logged).toMatchObject({ level: 50, path: "placeOrder" });
    expect(JSON.stringify(logged)).toMatch(/order_items/);
  } finally {
    await subject.db.orm.em.fork().execute("alter table order_items_gone rename to order_items");
  }
});

it("answers a malformed request with a GraphQL error, not a crash", async () => {
  const response = await subject.api.app.yoga.fetch("http://localhost/graphql", { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: "{ nope" });
  expect(response.status).toBe(400);
  expect((await response.json()).errors).toHaveLength(1);
  expect((await subject.api.graphql("{ users { totalCount } }")).data).toEqual({ users: { totalCount: 1 } });
});
