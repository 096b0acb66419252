import type { Viewer } from "../../src/domain/access/viewer.ts";
import { describe, expect, it } from "vitest";
import type { UnitOfWork } from "../../src/domain/shared/unit-of-work.ts";
import type { User } from "../../src/domain/users/user.ts";
import { createUserService } from "../../src/domain/users/user-service.ts";
import { createInMemoryStore } from "../support/in-memory-store.ts";
import { alteredUnitOfWork, codesAndFields, errorsOf, sequentialIds, steppingClock, T0, valueOf } from "./helpers.ts";

function setup(options: { unitOfWork?: (inner: UnitOfWork) => UnitOfWork } = {}) {
  const store = createInMemoryStore();
  const clock = steppingClock();
  const unitOfWork = options.unitOfWork ? options.unitOfWork(store.unitOfWork) : store.unitOfWork;
  const users = createUserService({ users: store.repositories.users, unitOfWork, clock, newId: sequentialIds(), viewer: ADMIN });
  return { store, clock, users };
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe("createOne", () => {
  it("stores a new active user at version 1 with the email and name trimmed and the email's case kept", async () => {
    const { store, users } = setup();
    const user = valueOf(await users.createOne({ email: "  Ada@Example.COM ", name: " Ada Lovelace  " }));
    expect(user).toEqual({
      id: "00000000-0000-7000-8000-000000000001",
      email: "Ada@Example.COM",
      name: "Ada Lovelace",
      status: "ACTIVE",
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
    expect(store.tables.users.get(user.id)).toEqual(user);
    expect(await users.getOne(user.id)).toEqual(user);
  });

  it("reports an invalid email and an invalid name together and stores nothing", async () => {
    const { store, users } = setup();
    const errors = errorsOf(await users.createOne({ email: "not-an-email", name: "   " }));
    expect(codesAndFields(errors)).toEqual([
      { code: "VALIDATION_FAILED", field: ["email"] },
      { code: "VALIDATION_FAILED", field: ["name"] },
    ]);
    expect(store.tables.users.size).toBe(0);
  });

  it("refuses an email another user has, compared case-insensitively", async () => {
    const { store, users } = setup();
    valueOf(await users.createOne({ email: "Ada@Example.com", name: "Ada" }));
    const errors = errorsOf(await users.createOne({ email: "  ada@EXAMPLE.com ", name: "Impostor" }));
    expect(codesAndFields(errors)).toEqual([{ code: "EMAIL_TAKEN", field: ["email"] }]);
    expect(store.tables.users.size).toBe(1);
  });

  it("finds a user by email regardless of case and surrounding whitespace", async () => {
    const { users } = setup();
    const ada = valueOf(await users.createOne({ email: "Ada@Example.com", name: "Ada" }));
    expect(await users.getOneByEmail(" ADA@example.com ")).toEqual(ada);
  });
});

describe("updateOne", () => {
  async function withAda() {
    const context = setup();
    const ada = valueOf(await context.users.createOne({ email: "ada@example.com", name: "Ada" }));
    return { ...context, ada };
  }

  it("changes the name, bumps the version by one and keeps createdAt", async () => {
    const { store, users, ada } = await withAda();
    const updated = valueOf(await users.updateOne({ id: ada.id, name: " Countess of Lovelace " }));
    expect(updated).toEqual({ ...ada, name: "Countess of Lovelace", updatedAt: at(1), version: 2 });
    expect(store.tables.users.get(ada.id)).toEqual(updated);
  });

  it("changes the email, trimmed", async () => {
    const { users, ada } = await withAda();
    expect(valueOf(await users.updateOne({ id: ada.id, email: " countess@example.com " })).email).toBe("countess@example.com");
  });

  it("lets a user change only the case of their own email", async () => {
    const { users, ada } = await withAda();
    const updated = valueOf(await users.updateOne({ id: ada.id, email: "ADA@example.com" }));
    expect(updated).toMatchObject({ email: "ADA@example.com", version: 2 });
  });

  it("returns the user unchanged, without a new version, when the update changes nothing", async () => {
    const { store, users, ada } = await withAda();
    expect(valueOf(await users.updateOne({ id: ada.id, name: "  Ada ", email: "ada@example.com" }))).toEqual(ada);
    expect(valueOf(await users.updateOne({ id: ada.id }))).toEqual(ada);
    expect(valueOf(await users.updateOne({ id: ada.id, name: null, email: null }))).toEqual(ada);
    expect(store.tables.users.get(ada.id)).toEqual(ada);
  });

  it("refuses an email another user has, compared case-insensitively, and changes nothing", async () => {
    const { store, users, ada } = await withAda();
    const grace = valueOf(await users.createOne({ email: "grace@example.com", name: "Grace" }));
    const errors = errorsOf(await users.updateOne({ id: grace.id, email: "ADA@Example.com", name: "Grace Hopper" }));
    expect(codesAndFields(errors)).toEqual([{ code: "EMAIL_TAKEN", field: ["email"] }]);
    expect(store.tables.users.get(grace.id)).toEqual(grace);
    expect(store.tables.users.get(ada.id)).toEqual(ada);
  });

  it("reports NOT_FOUND for an unknown id", async () => {
    const { users } = await withAda();
    const errors = errorsOf(await users.updateOne({ id: "00000000-0000-7000-8000-999999999999", name: "Nobody" }));
    expect(codesAndFields(errors)).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
  });

  it("reports VERSION_CONFLICT when expectedVersion is not the stored version, and changes nothing", async () => {
    const { store, users, ada } = await withAda();
    const errors = errorsOf(await users.updateOne({ id: ada.id, expectedVersion: 2, name: "Late" }));
    expect(codesAndFields(errors)).toEqual([{ code: "VERSION_CONFLICT", field: ["expectedVersion"] }]);
    expect(errors[0]?.message).toContain("version 1");
    expect(store.tables.users.get(ada.id)).toEqual(ada);
  });

  it("applies the update when expectedVersion matches", async () => {
    const { users, ada } = await withAda();
    const first = valueOf(await users.updateOne({ id: ada.id, expectedVersion: 1, name: "One" }));
    const second = valueOf(await users.updateOne({ id: ada.id, expectedVersion: first.version, name: "Two" }));
    expect(second).toMatchObject({ name: "Two", version: 3 });
    expect(errorsOf(await users.updateOne({ id: ada.id, expectedVersion: 2, name: "Stale" }))[0]?.code).toBe("VERSION_CONFLICT");
  });

  it("reports invalid email and name together before looking the user up", async () => {
    const { users } = await withAda();
    const errors = errorsOf(await users.updateOne({ id: "unknown", email: "nope", name: "n".repeat(201) }));
    expect(codesAndFields(errors)).toEqual([
      { code: "VALIDATION_FAILED", field: ["email"] },
      { code: "VALIDATION_FAILED", field: ["name"] },
    ]);
  });

  it("reports VERSION_CONFLICT when another writer changed the user between read and write", async () => {
    let stale: User | undefined;
    const context = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          users: { ...repositories.users, getOne: async (id) => stale ?? repositories.users.getOne(id) },
        })),
    });
    const ada = valueOf(await context.users.createOne({ email: "ada@example.com", name: "Ada" }));
    stale = ada;
    context.store.tables.users.set(ada.id, { ...ada, name: "Changed elsewhere", version: 2 });
    const errors = errorsOf(await context.users.updateOne({ id: ada.id, name: "Mine" }));
    expect(codesAndFields(errors)).toEqual([{ code: "VERSION_CONFLICT", field: ["expectedVersion"] }]);
    expect(context.store.tables.users.get(ada.id)?.name).toBe("Changed elsewhere");
  });

  it("lets an unexpected storage failure through and leaves the store as it was", async () => {
    const context = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          users: {
            ...repositories.users,
            async updateOne(next) {
              await repositories.users.updateOne(next);
              throw new Error("connection lost");
            },
          },
        })),
    });
    const ada = valueOf(await context.users.createOne({ email: "ada@example.com", name: "Ada" }));
    await expect(context.users.updateOne({ id: ada.id, name: "Lost" })).rejects.toThrow("connection lost");
    expect(context.store.tables.users.get(ada.id)).toEqual(ada);
  });
});

describe("deactivateOne", () => {
  it("deactivates an active user and bumps the version by one", async () => {
    const { store, users } = setup();
    const ada = valueOf(await users.createOne({ email: "ada@example.com", name: "Ada" }));
    const deactivated = valueOf(await users.deactivateOne({ id: ada.id }));
    expect(deactivated).toEqual({ ...ada, status: "DEACTIVATED", updatedAt: at(1), version: 2 });
    expect(store.tables.users.get(ada.id)).toEqual(deactivated);
  });

  it("returns an already deactivated user unchanged, without a new version", async () => {
    const { store, users } = setup();
    const ada = valueOf(await users.createOne({ email: "ada@example.com", name: "Ada" }));
    const once = valueOf(await users.deactivateOne({ id: ada.id }));
    expect(valueOf(await users.deactivateOne({ id: ada.id }))).toEqual(once);
    expect(valueOf(await users.deactivateOne({ id: ada.id, expectedVersion: 2 }))).toEqual(once);
    expect(store.tables.users.get(ada.id)).toEqual(once);
  });

  it("reports NOT_FOUND for an unknown id", async () => {
    const { users } = setup();
    expect(codesAndFields(errorsOf(await users.deactivateOne({ id: "missing" })))).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
  });

  it("reports VERSION_CONFLICT when expectedVersion is not the stored version, and stays active", async () => {
    const { store, users } = setup();
    const ada = valueOf(await users.createOne({ email: "ada@example.com", name: "Ada" }));
    expect(codesAndFields(errorsOf(await users.deactivateOne({ id: ada.id, expectedVersion: 7 })))).toEqual([
      { code: "VERSION_CONFLICT", field: ["expectedVersion"] },
    ]);
    expect(store.tables.users.get(ada.id)?.status).toBe("ACTIVE");
    expect(valueOf(await users.deactivateOne({ id: ada.id, expectedVersion: 1 })).status).toBe("DEACTIVATED");
  });
});

/** The rules are tested from an administrator's side here; access rules have their own tests. */
const ADMIN: Viewer = { kind: "admin", userId: null };
