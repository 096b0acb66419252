import { describe, expect, it } from "vitest";
import { graphql } from "../generated/index.ts";
import { useTestApi } from "../support/test-api.ts";

const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      user { id email name status version createdAt updatedAt }
      errors { code message field }
    }
  }
`);

const UpdateUser = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      user { id email name version updatedAt }
      errors { code message field }
    }
  }
`);

const DeactivateUser = graphql(`
  mutation DeactivateUser($input: DeactivateUserInput!) {
    deactivateUser(input: $input) {
      user { id status version }
      errors { code message field }
    }
  }
`);

const GetUser = graphql(`
  query GetUser($id: ID!) {
    user(id: $id) { id email name status version }
  }
`);

const UserByEmail = graphql(`
  query UserByEmail($email: String!) {
    userByEmail(email: $email) { id email }
  }
`);

const subject = useTestApi({ truncateBetweenTests: true });

async function createUser(email: string, name = "Someone") {
  const { data } = await subject.api.execute(CreateUser, { input: { email, name } });
  const user = data?.createUser.user;
  if (!user) throw new Error(`createUser failed: ${JSON.stringify(data?.createUser.errors)}`);
  return user;
}

describe("createUser", () => {
  it("creates an ACTIVE user at version 1 with the email and name trimmed", async () => {
    const { data, errors } = await subject.api.execute(CreateUser, { input: { email: "  Ada@Example.com ", name: "  Ada Lovelace " } });
    expect(errors).toBeUndefined();
    expect(data?.createUser.errors).toEqual([]);
    expect(data?.createUser.user).toMatchObject({ email: "Ada@Example.com", name: "Ada Lovelace", status: "ACTIVE", version: 1 });
    expect(data?.createUser.user?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // New ids are UUIDv7: time-ordered, version nibble 7.
    const uuid = Buffer.from(data!.createUser.user!.id, "base64url").toString("utf8").split(":")[1]!;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("reports every invalid field at once, with a path into the input, and creates nothing", async () => {
    const { data } = await subject.api.execute(CreateUser, { input: { email: "not-an-email", name: "   " } });
    expect(data?.createUser.user).toBeNull();
    expect(data?.createUser.errors).toEqual([
      { code: "VALIDATION_FAILED", message: expect.stringContaining("Email"), field: ["input", "email"] },
      { code: "VALIDATION_FAILED", message: expect.stringContaining("Name"), field: ["input", "name"] },
    ]);
    expect((await subject.api.graphql("{ users { totalCount } }")).data?.users.totalCount).toBe(0);
  });

  it.each([
    ["an email longer than 254 characters", `${"a".repeat(243)}@example.com`, "x", ["input", "email"]],
    ["a name longer than 200 characters", "ok@example.com", "n".repeat(201), ["input", "name"]],
  ])("rejects %s", async (_, email, name, field) => {
    const { data } = await subject.api.execute(CreateUser, { input: { email, name } });
    expect(data?.createUser.errors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field })]);
  });

  it("accepts a 254-character email and a 200-character name", async () => {
    const email = `${"a".repeat(242)}@example.com`;
    expect(email).toHaveLength(254);
    const { data } = await subject.api.execute(CreateUser, { input: { email, name: "n".repeat(200) } });
    expect(data?.createUser.errors).toEqual([]);
  });

  it("refuses an email another user has, compared case-insensitively", async () => {
    await createUser("grace@example.com");
    const { data } = await subject.api.execute(CreateUser, { input: { email: "GRACE@example.COM", name: "Impostor" } });
    expect(data?.createUser).toEqual({ user: null, errors: [{ code: "EMAIL_TAKEN", message: expect.any(String), field: ["input", "email"] }] });
  });

  it("lets exactly one of many concurrent sign-ups with one email win; the others get EMAIL_TAKEN", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => subject.api.execute(CreateUser, { input: { email: i % 2 ? "RACE@example.com" : "race@example.com", name: `R${i}` } })),
    );
    const codes = results.map((r) => r.data?.createUser.errors[0]?.code ?? "OK").sort();
    expect(codes).toEqual(["EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "EMAIL_TAKEN", "OK"]);
  });

  it("stores hostile strings literally", async () => {
    const name = `Robert'); DROP TABLE users;-- <script>alert(1)</script> 🧨`;
    const user = await createUser("bobby@example.com", name);
    expect(user.name).toBe(name);
    expect((await subject.api.execute(GetUser, { id: user.id })).data?.user?.name).toBe(name);
  });
});

describe("user and userByEmail", () => {
  it("finds a user by id and by email in any case; unknown ones are null", async () => {
    const user = await createUser("Linus@Example.com");
    expect((await subject.api.execute(GetUser, { id: user.id })).data?.user).toMatchObject({ id: user.id, email: "Linus@Example.com" });
    expect((await subject.api.execute(UserByEmail, { email: " linus@EXAMPLE.com " })).data?.userByEmail?.id).toBe(user.id);
    expect((await subject.api.execute(UserByEmail, { email: "nobody@example.com" })).data?.userByEmail).toBeNull();
    const unknown = Buffer.from("User:01900000-0000-7000-8000-000000000000").toString("base64url");
    const result = await subject.api.execute(GetUser, { id: unknown });
    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toBeNull();
  });

  it.each([
    ["garbage", "not-an-id"],
    ["a non-UUID id", Buffer.from("User:42").toString("base64url")],
    ["an Order ID", Buffer.from("Order:01900000-0000-7000-8000-000000000000").toString("base64url")],
  ])("rejects %s as BAD_USER_INPUT", async (_, id) => {
    const result = await subject.api.execute(GetUser, { id });
    expect(result.data?.user ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/ID/), extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
  });
});

describe("updateUser", () => {
  it("changes the given fields, leaves the others, and increments the version by one", async () => {
    const user = await createUser("tim@example.com", "Tim");
    const { data } = await subject.api.execute(UpdateUser, { input: { id: user.id, name: " Tim B-L " } });
    expect(data?.updateUser).toEqual({ user: expect.objectContaining({ email: "tim@example.com", name: "Tim B-L", version: 2 }), errors: [] });
    expect(new Date(data!.updateUser.user!.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(user.updatedAt).getTime());
    const again = await subject.api.execute(UpdateUser, { input: { id: user.id, email: "TIM@example.com", expectedVersion: 2 } });
    expect(again.data?.updateUser.user).toMatchObject({ email: "TIM@example.com", version: 3 });
  });

  it("changes nothing, and keeps the version, when the values are the same", async () => {
    const user = await createUser("same@example.com", "Same");
    const { data } = await subject.api.execute(UpdateUser, { input: { id: user.id, name: "Same" } });
    expect(data?.updateUser.user?.version).toBe(1);
  });

  it("fails with VERSION_CONFLICT when expectedVersion is not the stored version", async () => {
    const user = await createUser("v@example.com");
    const { data } = await subject.api.execute(UpdateUser, { input: { id: user.id, name: "New", expectedVersion: 7 } });
    expect(data?.updateUser).toEqual({ user: null, errors: [expect.objectContaining({ code: "VERSION_CONFLICT", field: ["input", "expectedVersion"] })] });
    expect((await subject.api.execute(GetUser, { id: user.id })).data?.user).toMatchObject({ name: "Someone", version: 1 });
  });

  it("fails with EMAIL_TAKEN when another user has the new email", async () => {
    await createUser("taken@example.com");
    const user = await createUser("free@example.com");
    const { data } = await subject.api.execute(UpdateUser, { input: { id: user.id, email: "Taken@Example.com" } });
    expect(data?.updateUser.errors).toEqual([expect.objectContaining({ code: "EMAIL_TAKEN", field: ["input", "email"] })]);
  });

  it("fails with NOT_FOUND for a user that does not exist, and VALIDATION_FAILED for a malformed id", async () => {
    const missing = Buffer.from("User:01900000-0000-7000-8000-000000000000").toString("base64url");
    expect((await subject.api.execute(UpdateUser, { input: { id: missing, name: "X" } })).data?.updateUser.errors).toEqual([
      expect.objectContaining({ code: "NOT_FOUND", field: ["input", "id"] }),
    ]);
    expect((await subject.api.execute(UpdateUser, { input: { id: "nope", name: "X" } })).data?.updateUser.errors).toEqual([
      expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "id"] }),
    ]);
  });
});

describe("deactivateUser", () => {
  it("deactivates an active user once; doing it again changes nothing", async () => {
    const user = await createUser("leaving@example.com");
    const first = await subject.api.execute(DeactivateUser, { input: { id: user.id, expectedVersion: 1 } });
    expect(first.data?.deactivateUser).toEqual({ user: { id: user.id, status: "DEACTIVATED", version: 2 }, errors: [] });
    const second = await subject.api.execute(DeactivateUser, { input: { id: user.id } });
    expect(second.data?.deactivateUser.user).toEqual({ id: user.id, status: "DEACTIVATED", version: 2 });
  });

  it("fails with VERSION_CONFLICT on a stale expectedVersion", async () => {
    const user = await createUser("stale@example.com");
    const { data } = await subject.api.execute(DeactivateUser, { input: { id: user.id, expectedVersion: 2 } });
    expect(data?.deactivateUser.errors).toEqual([expect.objectContaining({ code: "VERSION_CONFLICT" })]);
  });
});
