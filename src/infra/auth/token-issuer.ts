/** Mints HS256 tokens with the configured secret: for development and tests, never production. */
import { SignJWT } from "jose";

export interface TokenClaims {
  readonly sub: string;
  readonly roles: readonly ("admin" | "customer")[];
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  readonly issuer?: string;
  readonly audience?: string;
}

export async function issueToken(secret: string, claims: TokenClaims): Promise<string> {
  let jwt = new SignJWT({ roles: [...claims.roles] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds);
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
