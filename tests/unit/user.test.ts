import { describe, expect, it } from "vitest";
import { changeUser, deactivate, EMAIL_MAX_LENGTH, emailKey, NAME_MAX_LENGTH, newUser, parseEmail, parseName, UserStatus, type User } from "../../src/domain/users/user.ts";
import { errorsOf, T0, valueOf } from "./helpers.ts";

const T1 = new Date("2026-01-02T00:00:00.000Z");
const DOMAIN = "@example.com";
/** An address of exactly `length` characters. */
const emailOfLength = (length: number) => `${"a".repeat(length - DOMAIN.length)}${DOMAIN}`;

const ada = (): User => newUser({ id: "u1", email: "Ada@Example.com", name: "Ada Lovelace", now: T0 });

describe("parseEmail", () => {
  it("trims surrounding whitespace and otherwise keeps the address as given, case included", () => {
    expect(valueOf(parseEmail("  Ada.Lovelace+orders@Example.COM \n", ["email"]))).toBe("Ada.Lovelace+orders@Example.COM");
  });

  it.each(["ada@example.com", "ada+tag@mail.example.co.uk", "o'brien@example.org", "jörg@bücher.de", "a@b-c.io", "1@2.example"])(
    "accepts the real-world address %s",
    (email) => {
      expect(valueOf(parseEmail(email, ["email"]))).toBe(email);
    },
  );

  it.each(["plainaddress", "ada@localhost", "ada@@example.com", "ada lovelace@example.com", "@example.com", "ada@", "ada@-example.com", "ada@example-.com", "ada@example.c", "ada@example.com.", "ada@exa mple.com", "ada\u0000@example.com"])(
    "rejects the malformed address %j",
    (email) => {
      expect(errorsOf(parseEmail(email, ["email"]))).toEqual([{ code: "VALIDATION_FAILED", message: expect.any(String), field: ["email"] }]);
    },
  );

  it("rejects an empty or blank address", () => {
    expect(errorsOf(parseEmail("", ["email"]))[0]?.code).toBe("VALIDATION_FAILED");
    expect(errorsOf(parseEmail(" \t ", ["email"]))[0]?.message).toMatch(/empty/);
  });

  it("accepts an address of exactly 254 characters", () => {
    const email = emailOfLength(EMAIL_MAX_LENGTH);
    expect(email).toHaveLength(254);
    expect(valueOf(parseEmail(email, ["email"]))).toBe(email);
  });

  it("rejects an address of 255 characters", () => {
    const errors = errorsOf(parseEmail(emailOfLength(255), ["email"]));
    expect(errors).toEqual([{ code: "VALIDATION_FAILED", message: expect.stringContaining("254"), field: ["email"] }]);
  });

  it("measures the length after trimming", () => {
    const email = emailOfLength(254);
    expect(valueOf(parseEmail(`   ${email}   `, ["email"]))).toBe(email);
  });

  it("reports the field path it is given", () => {
    expect(errorsOf(parseEmail("nope", ["input", "email"]))[0]?.field).toEqual(["input", "email"]);
  });
});

describe("parseName", () => {
  it("trims surrounding whitespace", () => {
    expect(valueOf(parseName("  Ada Lovelace \t", ["name"]))).toBe("Ada Lovelace");
  });

  it("accepts a one-character name", () => {
    expect(valueOf(parseName("A", ["name"]))).toBe("A");
  });

  it("rejects an empty or blank name", () => {
    expect(errorsOf(parseName("", ["name"]))).toEqual([{ code: "VALIDATION_FAILED", message: expect.any(String), field: ["name"] }]);
    expect(errorsOf(parseName("   ", ["name"]))[0]?.field).toEqual(["name"]);
  });

  it("accepts a name of exactly 200 characters", () => {
    const name = "n".repeat(NAME_MAX_LENGTH);
    expect(valueOf(parseName(name, ["name"]))).toBe(name);
  });

  it("rejects a name of 201 characters", () => {
    expect(errorsOf(parseName("n".repeat(201), ["name"]))).toEqual([
      { code: "VALIDATION_FAILED", message: expect.stringContaining("200"), field: ["name"] },
    ]);
  });

  it("accepts 200 characters surrounded by whitespace, since the length is measured after trimming", () => {
    expect(valueOf(parseName(`  ${"n".repeat(200)}  `, ["name"]))).toHaveLength(200);
  });

  it("rejects control characters inside the name", () => {
    expect(errorsOf(parseName("Ada\u0000Lovelace", ["name"]))[0]?.code).toBe("VALIDATION_FAILED");
    expect(errorsOf(parseName("Ada\tLovelace", ["name"]))[0]?.code).toBe("VALIDATION_FAILED");
  });
});

describe("emailKey", () => {
  it("makes addresses that differ only in case compare equal", () => {
    expect(emailKey("Ada@Example.COM")).toBe(emailKey("ada@example.com"));
    expect(emailKey("ada@example.com")).not.toBe(emailKey("ada2@example.com"));
  });
});

describe("newUser", () => {
  it("starts active at version 1, created and updated now", () => {
    expect(ada()).toEqual({
      id: "u1",
      email: "Ada@Example.com",
      name: "Ada Lovelace",
      status: UserStatus.ACTIVE,
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
  });
});

describe("changeUser", () => {
  it("applies a new name, bumps the version by one and stamps updatedAt", () => {
    expect(changeUser(ada(), { name: "Augusta Ada King" }, T1)).toEqual({ ...ada(), name: "Augusta Ada King", updatedAt: T1, version: 2 });
  });

  it("applies a new email and keeps the name", () => {
    expect(changeUser(ada(), { email: "countess@example.com" }, T1)).toEqual({ ...ada(), email: "countess@example.com", updatedAt: T1, version: 2 });
  });

  it("treats a change of the email's case as a change, since the email is stored as given", () => {
    expect(changeUser(ada(), { email: "ada@example.com" }, T1)?.email).toBe("ada@example.com");
  });

  it("returns null when nothing would change", () => {
    expect(changeUser(ada(), {}, T1)).toBeNull();
    expect(changeUser(ada(), { email: "Ada@Example.com", name: "Ada Lovelace" }, T1)).toBeNull();
  });

  it("does not modify the user it is given", () => {
    const user = ada();
    changeUser(user, { name: "Other" }, T1);
    expect(user).toEqual(ada());
  });
});

describe("deactivate", () => {
  it("deactivates an active user, bumping the version by one", () => {
    expect(deactivate(ada(), T1)).toEqual({ ...ada(), status: UserStatus.DEACTIVATED, updatedAt: T1, version: 2 });
  });

  it("leaves an already deactivated user unchanged", () => {
    const deactivated = deactivate(ada(), T1);
    expect(deactivated).not.toBeNull();
    expect(deactivate(deactivated as User, new Date("2026-01-03T00:00:00.000Z"))).toBeNull();
  });
});
