/**
 * Verifies the bearer tokens an identity provider issued (jose): HS256 with a shared secret,
 * or an asymmetric public key / local JWKS file. `exp` is required; `iss` and `aud` are
 * checked when configured; a small clock skew is allowed; `alg: none` and algorithm confusion
 * are rejected because only the configured algorithms are accepted.
 */
import { readFileSync } from "node:fs";
import { createLocalJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from "jose";
import type { Viewer } from "../../domain/access/viewer.ts";
import { isUuid } from "../../domain/shared/ids.ts";

export interface TokenVerification {
  /** HS256 shared secret, at least 32 bytes. */
  readonly secret?: string;
  /** PEM (SPKI) public key for RS256/ES256/EdDSA tokens. */
  readonly publicKeyPem?: string;
  /** Algorithm of the public key (default RS256). */
  readonly publicKeyAlgorithm?: string;
  /** Path of a local JWKS file. */
  readonly jwksFile?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Allowed clock skew in seconds (default 30). */
  readonly clockToleranceSeconds?: number;
}

export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

export interface VerifiedToken {
  readonly viewer: Viewer;
  /** When the token stops being valid (ms since the epoch). */
  readonly expiresAt: number;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export async function createTokenVerifier(config: TokenVerification): Promise<TokenVerifier> {
  let key: Uint8Array | KeyObject | JWTVerifyGetKey;
  let algorithms: string[];
  if (config.jwksFile) {
    key = createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, "utf8")) as Parameters<typeof createLocalJWKSet>[0]);
    algorithms = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];
  } else if (config.publicKeyPem) {
    const algorithm = config.publicKeyAlgorithm ?? "RS256";
    key = await importSPKI(config.publicKeyPem, algorithm);
    algorithms = [algorithm];
  } else if (config.secret) {
    key = new TextEncoder().encode(config.secret);
    algorithms = ["HS256"];
  } else {
    throw new Error("token verification needs a secret, a public key or a JWKS file");
  }

  // Clients send the same token with every request: remember verified ones until they expire.
  const verified = new Map<string, VerifiedToken>();
  const remember = (token: string, result: VerifiedToken) => {
    if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
    verified.set(token, result);
    return result;
  };

  return async (token) => {
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known;
      verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        requiredClaims: ["exp"],
        clockTolerance: config.clockToleranceSeconds ?? 30,
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    // Valid until `exp` plus the allowed skew, the same rule jose applied just now.
    return remember(token, { viewer: viewerOf(payload), expiresAt: ((payload.exp ?? 0) + (config.clockToleranceSeconds ?? 30)) * 1000 });
  };
}

function viewerOf(payload: JWTPayload): Viewer {
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === "string") : [];
  const sub = typeof payload.sub === "string" && isUuid(payload.sub) ? payload.sub.toLowerCase() : null;
  if (roles.includes("admin")) return { kind: "admin", userId: sub };
  if (roles.includes("customer")) {
    if (!sub) throw new InvalidTokenError("a customer token's sub must be the user's UUID");
    return { kind: "customer", userId: sub };
  }
  throw new InvalidTokenError('the token has no known role (roles must contain "admin" or "customer")');
}

/** A short reason for the client, never the token or key material. */
function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `the token's ${(error as { claim?: string }).claim ?? "claims"} claim is not accepted`;
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's algorithm is not accepted";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature is invalid";
    default:
      return "the token is malformed or not signed by a trusted key";
  }
}
