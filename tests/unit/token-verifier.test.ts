/** Token verification with each kind of key, and what it refuses. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createTokenVerifier, InvalidTokenError } from "../../src/infra/auth/token-verifier.ts";

const USER = "01900000-0000-7000-8000-0000000000aa";
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe("asymmetric keys", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const sign = (claims: Record<string, unknown>, kid?: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", ...(kid ? { kid } : {}) }).setExpirationTime(inAnHour()).sign(privateKey);

  it("verifies RS256 tokens with a PEM public key", async () => {
    const verify = await createTokenVerifier({ publicKeyPem: await exportSPKI(publicKey), publicKeyAlgorithm: "RS256" });
    expect((await verify(await sign({ sub: USER, roles: ["customer"] }))).viewer).toEqual({ kind: "customer", userId: USER });
  });

  it("verifies tokens against a local JWKS file, by key id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jwks-"));
    const file = join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] }));
    const verify = await createTokenVerifier({ jwksFile: file });
    expect((await verify(await sign({ sub: USER, roles: ["admin"] }, "k1"))).viewer).toEqual({ kind: "admin", userId: USER });
  });

  it("refuses an HS256 token signed with the public key as its secret (algorithm confusion)", async () => {
    const pem = await exportSPKI(publicKey);
    const verify = await createTokenVerifier({ publicKeyPem: pem, publicKeyAlgorithm: "RS256" });
    const forged = await new SignJWT({ sub: USER, roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(inAnHour()).sign(new TextEncoder().encode(pem));
    await expect(verify(forged)).rejects.toThrow(InvalidTokenError);
  });
});

describe("claims", () => {
  const secret = "a-secret-for-these-tests-of-32-bytes-or-more";
  const sign = (claims: Record<string, unknown>, issuer?: string) => {
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime(inAnHour());
    if (issuer) jwt = jwt.setIssuer(issuer);
    return jwt.sign(new TextEncoder().encode(secret));
  };

  it("requires the configured issuer", async () => {
    const verify = await createTokenVerifier({ secret, issuer: "https://id.example.com" });
    await expect(verify(await sign({ sub: USER, roles: ["customer"] }, "https://evil.example.com"))).rejects.toThrow(/iss/);
    expect((await verify(await sign({ sub: USER, roles: ["customer"] }, "https://id.example.com"))).viewer.kind).toBe("customer");
  });

  it("requires a customer's sub to be a UUID, and a known role", async () => {
    const verify = await createTokenVerifier({ secret });
    await expect(verify(await sign({ sub: "alice", roles: ["customer"] }))).rejects.toThrow(/UUID/);
    await expect(verify(await sign({ sub: USER, roles: ["superuser"] }))).rejects.toThrow(/role/);
    expect((await verify(await sign({ sub: "ops-team", roles: ["admin"] }))).viewer).toEqual({ kind: "admin", userId: null });
  });

  it("allows a small clock skew but not more", async () => {
    const verify = await createTokenVerifier({ secret });
    const expiredBy = (seconds: number) =>
      new SignJWT({ sub: USER, roles: ["customer"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(Math.floor(Date.now() / 1000) - seconds).sign(new TextEncoder().encode(secret));
    expect((await verify(await expiredBy(10))).viewer.kind).toBe("customer");
    await expect(verify(await expiredBy(120))).rejects.toThrow(/expired/);
  });
});
